"""LeNet, VGG and ResNet: published counts against torchvision, skips, stages, side-by-side training, ResNet-50."""

import io
import json

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from torch import nn

from playground.data.decode import ClassImages
from playground.data.images import load_bundled
from playground.errors import PlaygroundError
from playground.models import create_model, save_model, summarize
from playground.models.classic import BasicBlock
from playground.training import Callback
from playground.training.jobs import STOPPED, Job, Slots
from playground.vision import architectures as arch
from playground.vision import pretrained, weights
from playground.vision.classifier import ImageTrainConfig, prepare
from tests.helpers import cli


def count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    "name, expected",
    [
        ("vgg11", 132_863_336),
        ("vgg16", 138_357_544),
        ("resnet18", 11_689_512),
        ("resnet34", 21_797_672),
        ("resnet50", 25_557_032),
    ],
)
def test_published_presets_match_torchvision(name, expected):
    ours, theirs = create_model(name), getattr(torchvision.models, name)(weights=None)
    assert count(ours) == count(theirs) == expected
    with torch.no_grad():
        assert ours.eval()(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_resnet50_takes_torchvision_weights_and_computes_the_same():
    theirs = torchvision.models.resnet50(weights=None).eval()
    ours = create_model("resnet50")
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(ours.eval()(x), theirs(x), atol=1e-4)


@pytest.mark.parametrize(
    "name, shape, params",
    [
        ("lenet", (1, 28, 28), 44_426),
        ("lenet", (3, 32, 32), None),
        ("vgg-small", (1, 28, 28), None),
        ("vgg-small", (3, 32, 32), None),
        ("resnet-small", (1, 28, 28), None),
        ("resnet-small", (3, 32, 32), None),
    ],
)
def test_small_presets_fit_small_images(name, shape, params):
    model = arch.build(name, shape, 10)
    assert model(torch.zeros(4, *shape)).shape == (4, 10)
    if params:
        assert count(model) == params


def test_lenet_is_the_course_layers():
    types = [type(m).__name__ for m in create_model("lenet").modules() if not list(m.children())]
    assert types == [
        "Conv2d",
        "Tanh",
        "AvgPool2d",
        "Conv2d",
        "Tanh",
        "AvgPool2d",
        "Flatten",
        "Linear",
        "Tanh",
        "Linear",
        "Tanh",
        "Linear",
    ]
    with pytest.raises(PlaygroundError, match="at least 12"):
        arch.build("lenet", (1, 8, 8))


def test_the_skip_switch_adds_the_input_back():
    torch.manual_seed(0)
    on, off = BasicBlock(4, 4, skip=True).eval(), BasicBlock(4, 4, skip=False).eval()
    off.load_state_dict(on.state_dict())
    for block in (on, off):
        torch.nn.init.zeros_(block.bn2.weight)  # F(x) = 0: only the skip is left
    x = torch.rand(1, 4, 6, 6)
    assert torch.allclose(on(x), x.relu()) and torch.count_nonzero(off(x)) == 0
    plain, residual = arch.build("resnet-small", (1, 28, 28), skip=False), arch.build("resnet-small", (1, 28, 28))
    assert not any("downsample" in n for n, _ in plain.named_modules())
    assert count(residual) - count(plain) == sum(
        count(m) for n, m in residual.named_modules() if n.endswith("downsample")
    )


def test_stages_report_sizes_and_receptive_fields():
    for name, rf, last_map in (("vgg16", 212, (512, 7, 7)), ("resnet50", 427, (2048, 7, 7)), ("lenet", 16, (16, 4, 4))):
        shape = (1, 28, 28) if name == "lenet" else (3, 224, 224)
        model = arch.build(name, shape)
        summary = summarize(model, torch.zeros(1, *shape))
        stages = arch.stages(model, summary)
        convolutional = [s for s in stages if len(s.output_shape) == 3]
        assert convolutional[-1].receptive_field == rf
        assert [s for s in convolutional if s.name != "avgpool"][-1].output_shape == last_map
        assert sum(s.params for s in stages) == summary.total_params
    model = arch.build("resnet18", (3, 224, 224))
    resnet = arch.stages(model, summarize(model, torch.zeros(1, 3, 224, 224)))
    assert [s.name for s in resnet if s.residual] == ["layer1", "layer2", "layer3", "layer4"]


def test_stage_titles_are_words_in_the_readers_language_and_module_names_as_written():
    from playground.i18n import language_of

    for name, shape in (("lenet", (1, 28, 28)), ("resnet18", (3, 64, 64))):
        model = arch.build(name, shape)
        with language_of("zh"):
            titles = [s.title for s in arch.stages(model, summarize(model, torch.zeros(1, *shape)))]
        if name == "lenet":
            assert titles == ["第 1 块", "第 2 块", "分类器"]
        else:
            assert titles == ["起始层", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]  # code's names


def test_multiply_adds_match_the_published_figures():
    summary = summarize(create_model("resnet50"), torch.zeros(1, 3, 224, 224))
    assert 4.0e9 < summary.total_macs < 4.2e9  # "3.8 GFLOPs" in the paper counts multiply-adds of the convolutions
    lenet = summarize(create_model("lenet"), torch.zeros(1, 1, 28, 28))
    assert lenet.total_macs == 24 * 24 * 6 * 25 + 8 * 8 * 16 * 150 + 256 * 120 + 120 * 84 + 84 * 10


@pytest.fixture(scope="module")
def mnist_small():
    config = ImageTrainConfig(train_size=2000, epochs=1, seed=0)
    return prepare(load_bundled("mnist"), config), config


def test_a_seeded_lenet_learns_and_compare_reports_costs(mnist_small, cpu_threads):
    prepared, config = mnist_small
    first = arch.compare(["lenet", "vgg-small"], prepared, config)
    assert [c.name for c in first] == ["lenet", "vgg-small"]
    lenet = first[0]
    assert lenet.test_accuracy > 0.8 and lenet.params == 44_426 and lenet.samples_per_s > 0
    assert first[1].peak_memory > lenet.peak_memory > 0 and first[1].macs > lenet.macs
    again = arch.compare(["lenet"], prepared, config)[0]
    assert again.test_accuracy == lenet.test_accuracy  # same seed, same settings, same result


def test_the_residual_experiment_trains_both_and_measures_gradients(mnist_small, cpu_threads):
    prepared, config = mnist_small
    runs = arch.residual_experiment(prepared, config, blocks_per_stage=2)
    assert [r.skip for r in runs] == [True, False] and runs[0].depth == runs[1].depth == 14
    for run in runs:
        assert len(run.gradient_norms) == 13 and (run.gradient_norms > 0).all()
        assert len(run.batch_losses) == 32  # 2,000 training images in batches of 64


# ---- the pretrained ResNet-50, without the network ----------------------------------------------


@pytest.fixture(scope="module")
def weights_file():
    buffer = io.BytesIO()
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), buffer)
    return buffer.getvalue()


def photo():
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))


def test_a_weights_file_gives_imagenet_top5(weights_file):
    model, source = pretrained.load_resnet50(weights_file)
    top = pretrained.classify(model, photo())
    assert source == "your weights file" and len(top) == 5
    assert all(name in pretrained.categories() for name, _ in top) and len(pretrained.categories()) == 1000
    assert sorted((p for _, p in top), reverse=True) == [p for _, p in top] and sum(p for _, p in top) <= 1.0001


def test_offline_without_a_cached_download_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(PlaygroundError, match="without a network connection: put resnet50-11ad3fa6.pth"):
        pretrained.load_resnet50()


def test_the_download_goes_through_the_boundary_once(tmp_path, monkeypatch, weights_file):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    calls = []
    state = torch.load(io.BytesIO(weights_file), weights_only=True)
    monkeypatch.setattr(pretrained, "fetch_weights", lambda: calls.append(1) or state)
    model, source = pretrained.load_resnet50(check_online=lambda host: True)
    assert calls == [1] and "downloaded" in source


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"not a torch file", "not a readable PyTorch weights file"),
        ("resnet18", "not a ResNet-50's"),
        ("code", "could run code"),
    ],
)
def test_bad_weights_files_get_one_sentence(payload, message):
    if payload == "resnet18":
        buffer = io.BytesIO()
        torch.save(torchvision.models.resnet18(weights=None).state_dict(), buffer)
        payload = buffer.getvalue()
    elif payload == "code":
        buffer = io.BytesIO()
        torch.save({"state_dict": ClassImages()}, buffer)  # an object that is not plain data
        payload = buffer.getvalue()
    with pytest.raises(PlaygroundError, match=message):
        pretrained.load_resnet50(payload)


def two_digits():
    """Ten MNIST test images each of 0 and 1, as a user's two classes."""
    digits = load_bundled("mnist")
    return ClassImages(
        {
            str(d): [
                Image.fromarray(digits.X_test[i, 0].numpy()) for i in np.flatnonzero(digits.y_test.numpy() == d)[:10]
            ]
            for d in (0, 1)
        }
    )


def test_transfer_learning_runs_beside_training_from_scratch(weights_file, cpu_threads):
    model, _ = pretrained.load_resnet50(weights_file)
    result = pretrained.transfer(model, two_digits(), seed=0, scratch_epochs=5)
    assert result.n_train == 16 and result.n_test == 4 and result.classes == ["0", "1"]
    assert 0 <= result.transfer_accuracy <= 1 and 0 <= result.scratch_accuracy <= 1 and result.majority_accuracy == 0.5
    assert not result.stopped


class TinyBackbone(nn.Module):
    """Stands in for ResNet-50 where only its features' shape matters: (N, 3, 224, 224) -> (N, 8)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=16, stride=16)

    def features(self, x):
        return self.conv(x).mean(dim=(2, 3))


@pytest.mark.parametrize(
    "stop_at", ["ResNet-50 features of your images", "a new head on the frozen features", "first batch from scratch"]
)
def test_stopping_a_transfer_run_ends_it_as_stopped_with_what_it_trained(stop_at, cpu_threads):
    images, run = two_digits(), {}

    def stage(text):
        if text == stop_at:
            run["job"].stop()

    class StopAfterFirstBatch(Callback):
        def on_batch_end(self, model, event):
            if stop_at == "first batch from scratch":
                run["job"].stop()

    def target(ctx):
        return pretrained.transfer(TinyBackbone(), images, 0, 5, [ctx, StopAfterFirstBatch()], ctx.stop, stage)

    run["job"] = job = Job("transfer learning", target, Slots(1))
    job.start().join(120)
    p = job.snapshot()
    assert p.state == STOPPED and p.error is None
    r = job.result
    assert r.stopped and r.classes == ["0", "1"] and (r.n_train, r.n_test) == (16, 4) and r.majority_accuracy == 0.5
    if stop_at == "first batch from scratch":  # both trained, the second for one batch
        assert 0 <= r.transfer_accuracy <= 1 and 0 <= r.scratch_accuracy <= 1
        assert (p.epoch, p.batch) == (1, 1) and len(p.rows) == 1
    else:  # neither trained
        assert r.transfer_accuracy is None and r.scratch_accuracy is None and r.scratch_seconds == 0
        assert p.batch == 0


# ---- CLI ----------------------------------------------------------------------------------------


def test_cli_summary_json_gives_integer_totals():
    out = cli("summary", "vgg16", "--input", "3,224,224", "--json")
    result = json.loads(out.stdout)
    assert result["total_params"] == 138_357_544 and isinstance(result["total_params"], int)
    assert result["stages"][4]["receptive_field"] == 212
    lenet = json.loads(cli("summary", "lenet", "--input", "1,28,28", "--classes", "10", "--json").stdout)
    assert lenet["total_params"] == 44_426


def test_cli_train_compare_and_pretrained_predict(tmp_path, weights_file):
    out = cli("train", "lenet", "--train-size", "500", "--json", "--save", str(tmp_path / "lenet.pt"), timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["model"] == "lenet"
    out = cli(
        "compare",
        "lenet",
        "vgg-small",
        "--dataset",
        "mnist",
        "--train-size",
        "500",
        "--epochs",
        "1",
        "--json",
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    models = json.loads(out.stdout)["models"]
    assert [m["name"] for m in models] == ["lenet", "vgg-small"] and models[0]["parameters"] == 44_426
    (tmp_path / "r50.pth").write_bytes(weights_file)
    photo().save(tmp_path / "photo.jpg")
    out = cli(
        "predict",
        "--pretrained",
        "resnet50",
        "--weights",
        str(tmp_path / "r50.pth"),
        str(tmp_path / "photo.jpg"),
        "--json",
    )
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["predictions"][0]["top"]) == 5
    offline = cli("predict", "--pretrained", "resnet50", str(tmp_path / "photo.jpg"), "--json")
    if weights.find_cached() is None:
        assert offline.returncode == 1 and "without a network connection" in offline.stderr


def test_saved_playground_resnet_files_load_as_weights(tmp_path, weights_file):
    model, _ = pretrained.load_resnet50(weights_file)
    save_model(model, tmp_path / "mine.pt")
    again, _ = pretrained.load_resnet50(tmp_path / "mine.pt")
    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(again(x), model(x))
