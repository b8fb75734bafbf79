"""No dead end offline: ResNet-50's weights found in torchvision's cache or named exactly, `fetch-weights`, and
transfer learning from a network trained in the app, with no download at all."""

import hashlib
import io
import json
from dataclasses import replace

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from torch import nn

from playground.cli.main import main as cli_main
from playground.data.decode import ClassImages
from playground.errors import PlaygroundError
from playground.lessons import lesson
from playground.models import load_model, save_model
from playground.models.registry import create_for_input, create_model, register_model, unregister_model
from playground.training import Callback
from playground.training.jobs import STOPPED, Job, Slots
from playground.vision import pretrained, transfer, weights

V2 = "resnet50-11ad3fa6.pth"  # ResNet50_Weights.IMAGENET1K_V2's file: the SHA-256 prefix is in its name
V1 = "resnet50-0676ba61.pth"


@pytest.fixture(scope="module")
def resnet50_bytes():
    buffer = io.BytesIO()
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), buffer)
    return buffer.getvalue()


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """An empty torch cache: TORCH_HOME in tmp_path, so torchvision's checkpoints folder is tmp_path/hub/checkpoints."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path / "hub" / "checkpoints"


def no_network(host):
    raise AssertionError("the network was asked although the file is in the cache")


# ---- ResNet-50's weights file -------------------------------------------------------------------


def test_the_needed_file_comes_from_torchvisions_weights_entry(torch_home):
    needed = weights.weights_file()
    assert (needed.name, needed.sha256_prefix) == (V2, "11ad3fa6")
    assert needed.url == torchvision.models.ResNet50_Weights.IMAGENET1K_V2.url
    assert needed.size_mib == pytest.approx(97.79) and needed.path == torch_home / V2
    assert weights.weights_file("IMAGENET1K_V1").name == V1


@pytest.mark.parametrize("name, tag", [(V2, "IMAGENET1K_V2"), (V1, "IMAGENET1K_V1")])
def test_a_file_torchvision_downloaded_once_is_found_without_the_network(torch_home, resnet50_bytes, name, tag):
    torch_home.mkdir(parents=True)
    (torch_home / name).write_bytes(resnet50_bytes)
    model, source = pretrained.load_resnet50(check_online=no_network)
    assert source == f"torchvision's {tag} (cached)"
    x = torch.zeros(1, 3, 224, 224)
    reference = torchvision.models.resnet50(weights=None)
    reference.load_state_dict(torch.load(io.BytesIO(resnet50_bytes), weights_only=True))
    with torch.no_grad():
        assert torch.allclose(model(x), reference.eval()(x), atol=1e-5)


@pytest.mark.parametrize("payload, reason", [(b"junk", "not a readable PyTorch weights file"), ("resnet18", "not a")])
def test_a_bad_file_in_the_cache_gets_one_sentence_naming_it(torch_home, payload, reason):
    if payload == "resnet18":
        buffer = io.BytesIO()
        torch.save(torchvision.models.resnet18(weights=None).state_dict(), buffer)
        payload = buffer.getvalue()
    torch_home.mkdir(parents=True)
    (torch_home / V2).write_bytes(payload)
    with pytest.raises(PlaygroundError) as caught:
        pretrained.load_resnet50(check_online=no_network)
    message = str(caught.value)
    assert str(torch_home / V2) in message and reason in message
    assert "python -m playground fetch-weights resnet50" in message and "\n" not in message


def test_offline_the_sentence_names_the_file_its_size_checksum_folder_and_command(torch_home):
    with pytest.raises(PlaygroundError) as caught:
        pretrained.load_resnet50(check_online=lambda host: False)
    message = str(caught.value)
    for part in (V2, "97.8 MiB", "SHA-256 starting 11ad3fa6", str(torch_home), "fetch-weights resnet50"):
        assert part in message
    assert "without a network connection" in message and message.count(". ") == 0


def fake_download(calls, content=b"weights"):
    def download(url, path, sha256_prefix):
        calls.append((url, path, sha256_prefix))
        path.write_bytes(content)

    return download


def test_fetch_weights_downloads_into_the_cache_through_the_boundary(torch_home, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(weights, "download", fake_download(calls))
    monkeypatch.setattr(weights, "online", lambda host: True)
    assert cli_main(["fetch-weights", "resnet50", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert calls == [(torchvision.models.ResNet50_Weights.IMAGENET1K_V2.url, torch_home / V2, "11ad3fa6")]
    assert result["path"] == str(torch_home / V2) and result["downloaded"] and result["bytes"] == len(b"weights")
    assert result["sha256"] == weights.sha256_of(torch_home / V2)


def test_fetch_weights_out_writes_into_that_folder_and_says_where_the_app_looks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    calls = []
    monkeypatch.setattr(weights, "download", fake_download(calls))
    monkeypatch.setattr(weights, "online", lambda host: True)
    assert cli_main(["fetch-weights", "resnet50", "--out", str(tmp_path / "usb")]) == 0
    out = capsys.readouterr().out
    assert calls[0][1] == tmp_path / "usb" / V2 and (tmp_path / "usb" / V2).is_file()
    assert str(tmp_path / "home" / "hub" / "checkpoints") in out


def test_fetch_weights_offline_or_failing_is_one_sentence(torch_home, monkeypatch, capsys):
    monkeypatch.setattr(weights, "download", lambda *args: pytest.fail("offline, nothing is downloaded"))
    assert cli_main(["fetch-weights", "resnet50"]) == 1  # tests run with PLAYGROUND_OFFLINE=1
    err = capsys.readouterr().err
    assert "without a network connection" in err and V2 in err and err.count("\n") == 1

    def broken(url, path, sha256_prefix):
        raise RuntimeError(f'invalid hash value (expected "{sha256_prefix}", got "0000")')

    monkeypatch.setattr(weights, "download", broken)
    monkeypatch.setattr(weights, "online", lambda host: True)
    assert cli_main(["fetch-weights", "resnet50"]) == 1
    err = capsys.readouterr().err
    assert "could not be downloaded (RuntimeError)" in err and not (torch_home / V2).exists()


def test_a_file_already_there_is_checked_against_its_checksum(torch_home, monkeypatch):
    monkeypatch.setattr(weights, "download", lambda *args: pytest.fail("a file already there is not downloaded"))
    torch_home.mkdir(parents=True)
    (torch_home / V2).write_bytes(b"a copy that went wrong")
    with pytest.raises(PlaygroundError, match="SHA-256 starts with [0-9a-f]{8}, not 11ad3fa6: delete it"):
        weights.fetch()
    content = b"the real thing"
    (torch_home / V2).write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    real = weights.weights_file()
    monkeypatch.setattr(weights, "weights_file", lambda tag="IMAGENET1K_V2": replace(real, sha256_prefix=digest[:8]))
    fetched = weights.fetch()
    assert not fetched.downloaded and fetched.sha256 == digest


# ---- transfer learning from a network trained in the app ----------------------------------------


SMALL = transfer.TransferConfig(source_images=1000, source_epochs=1, train_images=100, epochs=2, seed=0)


@pytest.fixture(scope="module")
def mnist_source():
    """The course CNN trained here on 5,000 MNIST digits for 2 epochs: the page's default source."""
    return transfer.train_source(transfer.TransferConfig(seed=0))


def test_the_source_learns_digits_and_the_frozen_copy_keeps_its_features(mnist_source):
    assert mnist_source.accuracy > 0.9 and mnist_source.meta["dataset"] == "mnist"
    frozen = transfer.frozen_network(mnist_source.model, 10, seed=0)
    scratch = transfer.fresh_network(mnist_source.model, 10, seed=0)
    trainable = sum(p.numel() for p in frozen.parameters() if p.requires_grad)
    assert (trainable, sum(p.numel() for p in frozen.parameters())) == (4_810, 60_554)  # Dense 64·64+64, 64·10+10
    source_state = mnist_source.model.state_dict()
    for name, value in frozen.network.state_dict().items():
        if name.startswith("features."):
            assert torch.equal(value, source_state[name])
        else:  # the head starts where the network from scratch starts
            assert torch.equal(value, scratch.state_dict()[name])


def test_only_the_head_learns_and_the_source_is_untouched(mnist_source):
    before = {k: v.clone() for k, v in mnist_source.model.state_dict().items()}
    data = transfer.fashion_target(mnist_source.meta, 100, seed=0, test_images=200)
    result = transfer.compare(mnist_source, data, SMALL)
    assert all(torch.equal(v, mnist_source.model.state_dict()[k]) for k, v in before.items())
    assert result.n_train == 100 and result.n_test == 200 and len(result.frozen.rows) == 2
    assert result.frozen.trainable == 4_810 and result.scratch.trainable == 60_554


def test_batch_norm_statistics_stay_frozen(cpu_threads):
    source = create_for_input("resnet-small", (1, 28, 28), num_classes=10)
    source = transfer.check_source(source, {"input": [1, 28, 28], "mean": [0.5], "std": [0.5]}, transfer.FROM_FILE)
    frozen = transfer.frozen_network(source.model, 3, seed=0)
    stats = {k: v.clone() for k, v in frozen.state_dict().items() if "running" in k}
    frozen.train()
    frozen(torch.randn(8, 1, 28, 28) * 3 + 1)
    assert stats and all(torch.equal(v, frozen.state_dict()[k]) for k, v in stats.items())


def test_frozen_mnist_features_learn_fashion_faster_with_few_images(mnist_source):
    """The lesson, measured at the page's defaults: 100 Fashion-MNIST images, 5 epochs, seed 0 (frozen 56% against
    40% on a CPU)."""
    config = transfer.TransferConfig(seed=0)
    assert (config.train_images, config.epochs) == (100, 5)
    result = transfer.compare(mnist_source, transfer.fashion_target(mnist_source.meta, 100, seed=0), config)
    assert result.frozen.accuracy > result.scratch.accuracy + 0.05
    assert result.frozen.rows[0].val_metric > result.scratch.rows[0].val_metric
    assert "the frozen features win" in transfer.lesson(result) and "After the first epoch" in transfer.lesson(result)


def test_the_same_seed_gives_the_same_numbers(mnist_source):
    runs = [
        transfer.compare(mnist_source, transfer.fashion_target(mnist_source.meta, 100, 3, 300), SMALL) for _ in range(2)
    ]
    assert runs[0].as_dict() == runs[1].as_dict()


def test_a_model_file_from_the_cnn_page_lends_its_features_to_colour_classes(mnist_source, tmp_path):
    save_model(mnist_source.model, tmp_path / "cnn-mnist.pt", mnist_source.meta)
    source = transfer.check_source(*load_model(tmp_path / "cnn-mnist.pt"), transfer.FROM_FILE)
    rng = np.random.default_rng(0)

    def pictures(colour):
        return [Image.fromarray(np.uint8(colour) + rng.integers(0, 40, (40, 40, 3), np.uint8)) for _ in range(10)]

    images = {"red": pictures((200, 20, 20)), "blue": pictures((20, 20, 90))}
    data = transfer.own_target(ClassImages(images), source.meta, seed=0)
    assert data.X_train.shape == (16, 1, 28, 28) and data.classes == ["blue", "red"]
    result = transfer.compare(source, data, SMALL)
    assert result.n_test == 4 and result.majority_accuracy == 0.5 and result.frozen.accuracy is not None


def test_a_model_without_a_separate_head_cannot_lend_its_features():
    @register_model("throwaway-headless", "image", (1, 28, 28), description="pixels straight into a dense layer")
    def headless(num_classes: int = 10):
        return nn.Sequential(nn.Flatten(), nn.Linear(784, num_classes))

    try:
        with pytest.raises(PlaygroundError, match="no separate classifier"):
            transfer.check_source(create_model("throwaway-headless"), {}, transfer.FROM_FILE)
    finally:
        unregister_model("throwaway-headless")


@pytest.mark.parametrize(
    "stop_in", ["the course CNN on MNIST, the source of the features", "a new head on the frozen features"]
)
def test_stopping_keeps_what_trained(stop_in, cpu_threads):
    run = {}

    class StopAtFirstBatch(Callback):
        def on_batch_end(self, model, event):
            if run["stage"] == stop_in:
                run["job"].stop()

    def stage(text):
        run["stage"] = text

    def target(ctx):
        make = lambda meta: transfer.fashion_target(meta, 100, 0, 200)  # noqa: E731
        return transfer.run(SMALL, None, make, [ctx, StopAtFirstBatch()], ctx.stop, stage)

    run["job"] = job = Job("transfer learning", target, Slots(1))
    job.start().join(120)
    assert job.snapshot().state == STOPPED
    if stop_in.startswith("the course CNN"):
        assert job.result is None
    else:
        r = job.result
        assert r.stopped and r.scratch is None and len(r.frozen.rows) == 1 and r.frozen.accuracy is not None
        assert "stopped before both models trained" in transfer.lesson(r)


# ---- the page, offline --------------------------------------------------------------------------


def test_the_page_names_the_missing_file_then_trains_both_without_a_download(open_page, torch_home):
    at = open_page("architectures")
    line = next(c.value for c in at.caption if "Not downloaded yet" in c.value)
    assert V2 in line and "97.8 MiB" in line and "11ad3fa6" in line and "fetch-weights resnet50" in line
    at.button(key="arch.load_pretrained").click().run()
    warning = next(w.value for w in at.warning if "without a network connection" in w.value)
    assert V2 in warning and str(torch_home) in warning
    at.radio(key="arch.tl_features").set_value("app").run()
    at.selectbox(key="arch.tl_src_images").set_value(1000).run()
    at.number_input(key="arch.tl_src_epochs").set_value(1).run()
    at.selectbox(key="arch.tl_train_images").set_value(100).run()
    at.number_input(key="arch.tl_epochs").set_value(2).run()
    at.button(key="arch.tl_job.start").click().run()
    at.session_state["arch.tl_job"].join(180)
    at.run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["frozen features + new head"].endswith("%") and labels["the same network from scratch"].endswith("%")
    assert any("4,810 of 60,554 parameters trained" in c.value for c in at.caption)
    assert any("With 100 training images and 2 epochs" in m.value or "Neither model" in m.value for m in at.markdown)


def test_a_link_carries_the_transfer_settings_and_the_widgets_write_them_back(open_page):
    link = {"transfer.epochs": "3", "transfer.lr": "0.002", "transfer.source_images": "1000", "transfer.epochs.x": "1"}
    at = open_page("architectures", link)
    at.radio(key="arch.tl_features").set_value("app").run()
    assert at.number_input(key="arch.tl_epochs").value == 3 and at.selectbox(key="arch.tl_lr").value == 0.002
    assert at.selectbox(key="arch.tl_src_images").value == 1000
    at.selectbox(key="arch.tl_lr").set_value(0.005).run()
    at.number_input(key="arch.tl_seed").set_value(7).run()
    assert not at.exception
    assert at.query_params.get("transfer.lr") == "0.005" and at.query_params.get("transfer.seed") == "7"
    assert at.query_params.get("transfer.epochs") == "3" and at.query_params.get("transfer.source_images") == "1000"
    bad = open_page("architectures", {"transfer.epochs": "999"})
    assert any("999" in i.value and "epochs" in i.value for i in bad.info), [i.value for i in bad.info]
    assert bad.number_input(key="arch.tl_epochs").value == 5


def test_the_page_finds_a_cached_file_and_loads_it_offline(open_page, torch_home, resnet50_bytes):
    torch_home.mkdir(parents=True)
    (torch_home / V2).write_bytes(resnet50_bytes)
    at = open_page("architectures")
    assert any(f"Found {V2} in torchvision's cache" in c.value for c in at.caption)
    at.button(key="arch.load_pretrained").click().run()
    assert not at.exception and any("IMAGENET1K_V2 (cached)" in s.value for s in at.success)


def test_the_cnn_pages_trained_model_lends_its_features(open_page):
    at = open_page("cnn")
    at.select_slider(key="cnn.train_size").set_value(1000).run()
    at.button(key="cnn.job.start").click().run()
    at.session_state["cnn.job"].join(120)
    at.run()
    at.switch_page(lesson("architectures").path).run()
    at.radio(key="arch.tl_source").set_value("cnn").run()
    assert not at.exception and not any("CNN page first" in i.value for i in at.info)  # the model is there
    at.selectbox(key="arch.tl_train_images").set_value(100).run()
    at.number_input(key="arch.tl_epochs").set_value(2).run()
    at.button(key="arch.tl_job.start").click().run()
    at.session_state["arch.tl_job"].join(120)
    at.run()
    assert not at.exception
    cnn_accuracy = at.session_state["cnn.job"].result[1].accuracy
    source = next(c.value for c in at.caption if c.value.startswith("Features from"))
    assert "the CNN page's trained model" in source and f"{cnn_accuracy:.1%}" in source
    assert at.session_state["arch.tl_job"].result.frozen.trainable == 4_810


def test_without_a_cnn_page_model_the_page_says_where_to_train_one(open_page):
    at = open_page("architectures")
    at.radio(key="arch.tl_source").set_value("cnn").run()
    assert any("Train a model on the CNN page first" in i.value for i in at.info)
    assert at.button(key="arch.tl_job.start").disabled


def test_a_model_file_uploaded_on_the_page_becomes_the_source(open_page, mnist_source):
    buffer = io.BytesIO()
    save_model(mnist_source.model, buffer, mnist_source.meta)
    at = open_page("architectures")
    at.radio(key="arch.tl_source").set_value("file").run()
    assert at.button(key="arch.tl_job.start").disabled  # nothing to lend features yet
    at.file_uploader(key="arch.tl_model").upload("junk.pt", b"junk", "application/octet-stream").run()
    assert any("not a readable PyTorch model file" in e.value for e in at.error)
    at.file_uploader(key="arch.tl_model").upload("cnn-mnist.pt", buffer.getvalue(), "application/octet-stream").run()
    assert not at.exception and not at.button(key="arch.tl_job.start").disabled
    assert at.session_state["arch.tl_file_source"].origin == "your model file"
