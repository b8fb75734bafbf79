"""Pictures unlike a model's training data are flagged: the measured rates, the signals, the model file and the CLI."""

import io
import json

import numpy as np
import pytest
import torch

from playground.data.images import load_bundled
from playground.models import load_model, save_model
from playground.vision import classifier, familiarity, probes
from tests.helpers import cli, png_bytes

PER_KIND = 40


@pytest.fixture(scope="module")
def digits_model():
    """The page's default CNN on 10,000 MNIST images for one epoch, calibrated on its validation split."""
    config = classifier.ImageTrainConfig(train_size=10000, seed=0)
    prepared = classifier.prepare(load_bundled("mnist"), config)
    model = classifier.build_model(prepared.meta, config.seed)
    classifier.train(model, prepared, config)
    classifier.calibrate(model, prepared)
    return model, prepared.meta


def flagged(model, meta, kind: str) -> float:
    checks = [classifier.predict(model, meta, p).familiarity for p in probes.pictures(kind, PER_KIND, seed=7)]
    return sum(c.unfamiliar for c in checks) / len(checks)


def test_calibration_is_stored_in_the_meta(digits_model):
    _model, meta = digits_model
    limits = meta["familiarity"]
    assert limits["source"] == "validation" and limits["images"] == 5000 and limits["quantile"] == 0.995
    assert isinstance(limits["energy_limit"], float) and limits["pieces_limit"] >= 2  # some digits have 2 strokes


def test_photographed_digits_are_almost_never_flagged(digits_model):
    assert flagged(*digits_model, "digits on paper") <= 0.075  # at most 3 of 40


@pytest.mark.parametrize("kind", [k for k in probes.KINDS if k != "digits on paper"])
def test_pictures_unlike_digits_are_mostly_flagged(digits_model, kind):
    assert flagged(*digits_model, kind) >= 0.6


def test_pieces_counts_separate_blobs_and_ignores_specks():
    blank = torch.zeros(28, 28)
    one, two, speck = blank.clone(), blank.clone(), blank.clone()
    one[5:20, 10:14] = 1  # a stroke
    two[5:20, 4:8], two[5:20, 18:22] = 1, 1
    speck[5:20, 4:14], speck[25, 25] = 1, 1  # one pixel is under 1% of the ink
    rows, cols = np.indices((28, 28))
    board = torch.from_numpy(((rows // 4 + cols // 4) % 2).astype(np.float32))  # 7×7 squares, 24 of them light
    counts = familiarity.pieces(torch.stack([one, two, speck, board]).unsqueeze(1)).tolist()
    assert counts == [1, 2, 1, 24]


def blobs_by_search(ink: np.ndarray) -> int:
    """The reference: a flood fill from each unvisited ink pixel, counting blobs of at least 1% of the ink."""
    seen, kept, h, w = np.zeros_like(ink), 0, *ink.shape
    for start in zip(*np.nonzero(ink)):
        if seen[start]:
            continue
        seen[start], todo, size = True, [start], 0
        while todo:
            r, c = todo.pop()
            size += 1
            for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= rr < h and 0 <= cc < w and ink[rr, cc] and not seen[rr, cc]:
                    seen[rr, cc] = True
                    todo.append((rr, cc))
        kept += size >= familiarity.PIECE_SHARE * ink.sum()
    return kept


def test_pieces_match_a_flood_fill_picture_by_picture_and_never_join_two_pictures():
    rng = np.random.default_rng(0)
    pictures = torch.from_numpy((rng.random((60, 1, 28, 28)) < rng.uniform(0.05, 0.6, (60, 1, 1, 1))).astype("f4"))
    pictures = torch.cat([pictures[:1], pictures])  # the same ink in two neighbouring pictures: still two counts
    ink = pictures[:, 0].numpy() > familiarity.INK_LEVEL
    assert familiarity.pieces(pictures).tolist() == [blobs_by_search(picture) for picture in ink]


def test_a_model_file_carries_the_limits_and_an_older_file_says_nothing(digits_model, tmp_path):
    model, meta = digits_model
    picture = probes.pictures("checkerboard", 1, seed=3)[0]
    before = classifier.predict(model, meta, picture).familiarity
    save_model(model, tmp_path / "digits.pt", meta)
    loaded, loaded_meta = load_model(tmp_path / "digits.pt")
    assert classifier.predict(loaded, loaded_meta, picture).familiarity == before
    older = {k: v for k, v in meta.items() if k != "familiarity"}
    assert classifier.predict(model, older, picture).familiarity is None
    edited = meta | {"familiarity": {"energy_limit": "high", "pieces_limit": 3}}
    assert classifier.predict(model, edited, picture).familiarity is None


def test_cli_predict_json_flags_each_picture(digits_model, tmp_path):
    model, meta = digits_model
    save_model(model, tmp_path / "digits.pt", meta)
    digit = probes.pictures("digits on paper", 1, seed=1)[0]
    text = probes.pictures("printed text", 1, seed=1)[0]
    for name, picture in (("digit.png", digit), ("text.png", text)):
        (tmp_path / name).write_bytes(png_bytes(picture))
    paths = [str(tmp_path / n) for n in ("digits.pt", "digit.png", "text.png")]
    done = cli("predict", *paths, "--json")
    assert done.returncode == 0, done.stderr
    digit_result, text_result = json.loads(done.stdout)["predictions"]
    assert digit_result["unfamiliar"] is False and text_result["unfamiliar"] is True
    assert text_result["familiarity"]["energy"] > text_result["familiarity"]["energy_limit"]
    plain = cli("predict", *paths)
    assert plain.stdout.count("unlike the training data") == 1


def test_pictures_are_the_same_for_the_same_seed():
    first, again = probes.pictures("colour photo", 2, seed=5), probes.pictures("colour photo", 2, seed=5)
    for a, b in zip(first, again, strict=True):
        buffer_a, buffer_b = io.BytesIO(), io.BytesIO()
        a.save(buffer_a, "PNG"), b.save(buffer_b, "PNG")
        assert buffer_a.getvalue() == buffer_b.getvalue()
