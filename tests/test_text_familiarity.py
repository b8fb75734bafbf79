"""Is a text like a sentiment model's training texts? The stored profile, the check, the notice, the CLI, the advice."""

import json

import numpy as np
import pytest

from playground.cli.main import main
from playground.models import load_model, model_bytes
from playground.text import classifier as tc
from playground.text import familiarity as fam
from playground.text.advice import advice
from playground.text.data import TextDataset, load_dataset
from playground.training import EpochStats, History

COMPLAINT = "Terrible quality, it broke after two days."  # the example, given to the Chinese-review model
CHINESE_REVIEW = "质量很好，物流也快，就是价格有点贵。"


def test_script_counts_han_characters_and_latin_words_among_letters():
    assert fam.script_of(["装VISTA很顺利"]).han == pytest.approx(4 / 5)  # one Latin word, four Han characters
    english = fam.script_of([COMPLAINT])
    assert english.han == 0 and english.latin == 1 and english.dominant() == "latin"
    assert fam.script_of(["我喜欢深度学习"]).dominant() == "han"
    assert fam.script_of(["Привет мир"]).dominant() == "other"  # letters of neither script
    assert fam.script_of(["😀 123 !!"]) is None  # no letters: no script to compare


@pytest.fixture(scope="module")
def zh_model():
    """A GRU for 2,000 Chinese reviews, saved and loaded again; the profile comes from the texts, not the weights."""
    full = load_dataset("zh-reviews")
    dataset = TextDataset("zh-reviews", full.texts[:2000], full.labels[:2000], "zh")
    config = tc.TextTrainConfig(dataset="zh-reviews", hidden=16, embed_dim=16, maxlen=60, seed=0)
    prepared = tc.prepare(dataset, config)
    return load_model(model_bytes(tc.build_model(prepared, config), prepared.meta))


def test_the_profile_is_measured_at_training_and_travels_in_the_model_file(zh_model):
    _model, meta = zh_model
    stored = meta["familiarity"]
    assert stored["script"]["han"] > 0.9 and stored["script"]["latin"] < 0.05
    assert stored["validation_texts"] == 160  # 10% of the 1,600 texts left after the 400 test texts
    assert 0 <= stored["unknown_p99"] < fam.UNKNOWN_FLOOR == stored["unknown_threshold"]


def test_an_english_complaint_to_the_chinese_review_model_is_flagged_and_still_answered(zh_model):
    model, meta = zh_model
    complaint = tc.explain(model, meta, COMPLAINT)
    known = complaint.familiarity
    assert known.available and known.unfamiliar and known.script.latin == 1 and known.training_script.han > 0.9
    assert "trained on Chinese shopping reviews" in known.notice()
    # both are true of it; the notice names the unknown share when that is past the threshold, else the script
    script_only = fam.Familiarity(**(vars(known) | {"reason": "script"}))
    assert "written in Han characters, but this text is written in Latin letters" in script_only.notice()
    assert 0 <= complaint.probability <= 1 and complaint.tokens  # the prediction and the tokens stay
    review = tc.explain(model, meta, CHINESE_REVIEW).familiarity
    assert review.available and not review.unfamiliar and review.notice() is None
    assert review.unknown_share < 0.2 and review.script.han == 1


def test_mostly_unknown_tokens_are_flagged_with_their_share():
    dataset = load_dataset("en-movies")
    prepared = tc.prepare(dataset, tc.TextTrainConfig(seed=0))
    tokenizer = prepared.tokenizer
    # Latin letters, so the script agrees; but almost no token is an English word the vocabulary knows
    gibberish = fam.check_text(prepared.meta, tokenizer, "Zorblax quixotl vemmering fnord, plutzik grommish.")
    assert gibberish.unfamiliar and gibberish.reason == "unknown_tokens" and gibberish.unknown_share > 0.5
    assert "trained on English movie-review sentences" in gibberish.notice()
    assert f"{gibberish.unknown_share:.0%}" in gibberish.notice()
    sentence = fam.check_text(prepared.meta, tokenizer, "A gorgeous, witty film, though the ending drags.")
    assert not sentence.unfamiliar and sentence.unknown_share < gibberish.threshold


def flagged(meta, tokenizer, texts) -> float:
    return float(np.mean([fam.check_text(meta, tokenizer, t).unfamiliar for t in texts]))


@pytest.mark.parametrize("name, other", [("en-movies", "zh-reviews"), ("zh-reviews", "en-movies")])
def test_own_held_out_texts_pass_and_the_other_language_is_flagged(name, other):
    """Default settings, seed 0: the tokenizer and profile depend on the split only, not on the trained weights."""
    prepared = tc.prepare(load_dataset(name), tc.TextTrainConfig(dataset=name, seed=0))
    foreign = load_dataset(other)
    _train, _val, foreign_test = tc.split_indices(foreign, tc.TextTrainConfig(seed=0))
    assert flagged(prepared.meta, prepared.tokenizer, prepared.texts_test) < 0.01
    # the Chinese corpus holds a few English reviews, which the English model rightly reads as its own
    assert flagged(prepared.meta, prepared.tokenizer, [foreign.texts[i] for i in foreign_test]) > 0.99


def test_the_toy_model_knows_its_three_sentences_and_little_else():
    prepared = tc.prepare(load_dataset("toy"), tc.TextTrainConfig(dataset="toy"))
    stored = prepared.meta["familiarity"]
    assert stored["validation_texts"] == 0 and stored["unknown_threshold"] == fam.UNKNOWN_FLOOR
    assert not fam.check_text(prepared.meta, prepared.tokenizer, "神经网络很有趣").unfamiliar  # its own characters
    weather = fam.check_text(prepared.meta, prepared.tokenizer, "今天天气很好")
    assert weather.unfamiliar and "the course's three sentences" in weather.notice()


def test_a_file_without_a_profile_says_the_check_is_unavailable(zh_model):
    model, meta = zh_model
    for old in ({k: v for k, v in meta.items() if k != "familiarity"}, meta | {"familiarity": {"script": "?"}}):
        known = tc.explain(model, old, COMPLAINT).familiarity
        assert not known.available and known.unfamiliar is None and known.unknown_share is None
        assert known.as_dict()["unfamiliar"] is None


def predict(capsys, path, text, as_json=True):
    """``python -m playground sentiment --load PATH --predict TEXT [--json]``, run in this process."""
    argv = ["--lang", "en", "sentiment", "--load", str(path), "--predict", text] + (["--json"] if as_json else [])
    assert main(argv) == 0
    out = capsys.readouterr().out
    return json.loads(out) if as_json else out


def test_cli_predict_json_gives_unfamiliar_and_the_numbers_behind_it(zh_model, tmp_path, capsys):
    model, meta = zh_model
    path = tmp_path / "reviews.pt"
    path.write_bytes(model_bytes(model, meta))
    complaint = predict(capsys, path, COMPLAINT)
    assert complaint["unfamiliar"] is True and complaint["label"] in meta["label_names"]
    assert complaint["script"] == {"han": 0.0, "latin": 1.0} and 0 <= complaint["unknown_share"] <= 1
    assert complaint["familiarity"]["reason"] in ("script", "unknown_tokens")
    assert complaint["familiarity"]["training_script"]["han"] == pytest.approx(meta["familiarity"]["script"]["han"])
    review = predict(capsys, path, CHINESE_REVIEW)
    assert review["unfamiliar"] is False and review["script"]["han"] == 1.0
    old = tmp_path / "old.pt"
    old.write_bytes(model_bytes(model, {k: v for k, v in meta.items() if k != "familiarity"}))
    unchecked = predict(capsys, old, COMPLAINT)
    assert unchecked["unfamiliar"] is None and unchecked["familiarity"]["available"] is False
    assert "trained on Chinese shopping reviews" in predict(capsys, path, COMPLAINT, as_json=False).splitlines()[0]
    assert "cannot be checked" in predict(capsys, old, COMPLAINT, as_json=False).splitlines()[0]


def history(val: list[float], stopped: bool = False) -> History:
    epochs = [EpochStats(i + 1, 0.5, 0.8, 0.6, v, 1.0, 100.0) for i, v in enumerate(val)]
    return History("accuracy", epochs, best_epoch=int(np.argmax(val)) + 1, stopped=stopped)


CONFIG = {"cell": "gru", "bidirectional": False, "dropout": 0.4}
WHOLE = [20] * 5000  # training texts all shorter than maxlen, plenty of them


def test_advice_for_a_gru_run_never_suggests_a_gru():
    """A real GRU run on 400 sentences, judged as if it lost to the baseline."""
    full = load_dataset("en-movies")
    dataset = TextDataset("en-movies", full.texts[:400], full.labels[:400], "en")
    config = tc.TextTrainConfig(cell="gru", epochs=2, hidden=16, embed_dim=16, seed=0)
    prepared = tc.prepare(dataset, config)
    run = tc.train(tc.build_model(prepared, config), prepared, config)
    sentences = advice(prepared.meta["config"], run, 0.6, 0.7, prepared.train_lengths, prepared.maxlen)
    text = " ".join(sentences)
    assert "does not beat" in sentences[0] and "GRU" not in text
    assert "bidirectional" in text and "more data" in text  # not bidirectional, 288 training texts
    simple = advice(CONFIG | {"cell": "rnn"}, run, 0.6, 0.7, prepared.train_lengths, prepared.maxlen)
    assert any("an LSTM or a GRU" in s for s in simple)


def test_advice_follows_the_epochs_actually_run():
    rising = " ".join(advice(CONFIG, history([0.6, 0.7, 0.75]), 0.7, 0.72, WHOLE, 50))
    assert "train for more epochs" in rising
    peaked = " ".join(advice(CONFIG, history([0.6, 0.75, 0.7]), 0.7, 0.72, WHOLE, 50))
    assert "peaked at epoch 2 of 3" in peaked and "train for more epochs" not in peaked and "dropout" in peaked
    damped = " ".join(advice(CONFIG | {"dropout": 0.8}, history([0.6, 0.75, 0.7]), 0.7, 0.72, WHOLE, 50))
    assert "dropout" not in damped
    stopped = " ".join(advice(CONFIG, history([0.6, 0.7], stopped=True), 0.7, 0.72, WHOLE, 50))
    assert "stopped after 2 epochs" in stopped and "train for more epochs" not in stopped


def test_advice_names_maxlen_only_when_it_cuts_and_is_silent_when_the_rnn_wins():
    cut = advice(CONFIG, history([0.6, 0.75, 0.7]), 0.7, 0.72, [10] * 3000 + [80] * 2000, 50)
    assert any("maxlen = 50 cuts 40%" in s for s in cut)
    assert not any("maxlen" in s for s in advice(CONFIG, history([0.6, 0.75, 0.7]), 0.7, 0.72, WHOLE, 50))
    done = advice(CONFIG | {"bidirectional": True}, history([0.6, 0.75, 0.7]), 0.7, 0.72, WHOLE, 50)
    assert "bidirectional" not in " ".join(done[1:])
    assert advice(CONFIG, history([0.6, 0.7]), 0.73, 0.72, WHOLE, 50) == []
    best = advice(CONFIG | {"bidirectional": True, "dropout": 0.8}, history([0.7, 0.6]), 0.7, 0.72, WHOLE, 50)
    assert len(best) == 3 and "Word order adds little" in best[-1]
