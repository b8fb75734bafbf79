import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from playground.data.decode import ClassImages
from playground.data.images import ImageDataset, load_bundled
from playground.errors import PlaygroundError
from playground.models import create_model, load_model, model_bytes
from playground.vision import classifier as clf
from playground.vision.preprocess import mnist_like
from tests.helpers import photo_of


@pytest.fixture(scope="module")
def mnist():
    return load_bundled("mnist")


@pytest.fixture(scope="module")
def small_mnist(mnist):
    """3,000 training and 1,000 test images: enough to learn, quick to train."""
    return ImageDataset(
        "mnist",
        mnist.X_train[:3000],
        mnist.y_train[:3000],
        mnist.X_test[:1000],
        mnist.y_test[:1000],
        mnist.classes,
        "subset",
    )


def test_bundled_sets_are_real_and_complete(mnist):
    assert mnist.X_train.shape == (50_000, 1, 28, 28) and mnist.X_test.shape == (10_000, 1, 28, 28)
    assert mnist.X_train.dtype == torch.uint8 and set(mnist.y_test.unique().tolist()) == set(range(10))
    fashion = load_bundled("fashion-mnist")
    assert fashion.X_train.shape == (20_000, 1, 28, 28) and fashion.classes[9] == "Ankle boot"
    assert (fashion.y_test.bincount() == 1000).all()


def test_course_cnn_matches_keras_parameter_count():
    model = create_model("cnn", in_channels=3, image_size=64, num_classes=10)
    assert sum(p.numel() for p in model.parameters()) == 204_490  # Keras' model.summary() for 64×64×3
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 10)
    assert create_model("cnn")(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    with pytest.raises(PlaygroundError, match="too small"):
        create_model("cnn", image_size=12)


def test_photo_of_a_digit_comes_out_like_an_mnist_digit(mnist):
    digit = mnist.X_test[0, 0].numpy()  # a 7
    steps = mnist_like(photo_of(digit), style="digit")
    assert [s.title for s in steps][:2] == ["grayscale", "inverted"]
    out = steps[-1].image.astype(np.float64)
    assert out.shape == (28, 28)
    rows, cols = np.indices(out.shape)
    centre = ((rows * out).sum() / out.sum(), (cols * out).sum() / out.sum())
    assert abs(centre[0] - 13.5) < 1.5 and abs(centre[1] - 13.5) < 1.5
    assert np.corrcoef(out.ravel(), digit.astype(np.float64).ravel())[0, 1] > 0.75
    assert out[:2].max() < 30 and out[:, :2].max() < 30  # MNIST's empty margin


def test_blank_picture_is_one_sentence():
    with pytest.raises(PlaygroundError, match="No drawing"):
        mnist_like(Image.new("L", (50, 50), 255))


def test_short_seeded_run_learns_and_is_repeatable(small_mnist):
    config = clf.ImageTrainConfig(epochs=1, batch_size=64, val_split=0.1, seed=3)
    results = []
    for _ in range(2):
        prepared = clf.prepare(small_mnist, config)
        model = clf.build_model(prepared.meta, config.seed)
        history = clf.train(model, prepared, config)
        results.append((history.column("train_loss"), clf.evaluate(model, prepared)))
    (loss_a, eval_a), (loss_b, eval_b) = results
    assert loss_a == loss_b
    assert eval_a.accuracy > 0.75  # chance is 0.10
    assert eval_a.confusion.sum() == 1000 and np.trace(eval_a.confusion) == round(eval_a.accuracy * 1000)
    wrong = eval_a.mistakes
    assert all(eval_a.confidence[i] >= eval_a.confidence[j] for i, j in zip(wrong, wrong[1:]))


@pytest.fixture(scope="module")
def trained(small_mnist):
    config = clf.ImageTrainConfig(epochs=1, seed=0)
    prepared = clf.prepare(small_mnist, config)
    model = clf.build_model(prepared.meta, 0)
    clf.train(model, prepared, config)
    return model, prepared


def test_save_load_gives_identical_predictions(trained, mnist):
    model, prepared = trained
    loaded, meta = load_model(model_bytes(model, prepared.meta))
    assert meta["classes"] == [str(d) for d in range(10)] and meta["style"] == "digit"
    photo = photo_of(mnist.X_test[0, 0].numpy())
    a, b = clf.predict(model, prepared.meta, photo), clf.predict(loaded, meta, photo)
    assert a.probabilities == b.probabilities
    assert a.top[0][0] == "7"  # the photographed 7 is read as a 7
    assert torch.equal(clf.probabilities(model, prepared.X_test[:50]), clf.probabilities(loaded, prepared.X_test[:50]))


def test_what_the_network_sees(trained):
    model, prepared = trained
    x = prepared.X_test[:1]
    filters = clf.first_layer_filters(model)
    assert filters.shape == (32, 3, 3) and filters.min() >= 0 and filters.max() <= 1
    maps = clf.feature_maps(model, x)
    assert [m.shape for m in maps] == [(32, 26, 26), (64, 11, 11), (64, 3, 3)]
    cam = clf.grad_cam(model, x, int(prepared.y_test[0]))
    assert cam.shape == (28, 28) and cam.max() == pytest.approx(1.0) and cam.min() >= 0


def test_own_classes_become_a_dataset():
    rng = np.random.default_rng(0)
    classes = ClassImages(
        {
            "red": [Image.new("RGB", (40 + i, 30), (200 + i, 10, 10)) for i in range(5)],
            "blue": [Image.fromarray(rng.integers(0, 60, (50, 50, 3), dtype=np.uint8)) for _ in range(4)],
        }
    )
    ds = clf.own_dataset(classes, size=32, seed=1)
    assert ds.classes == ("blue", "red") and ds.X_train.shape[1:] == (3, 32, 32)
    assert len(ds.X_train) + len(ds.X_test) == 9 and set(ds.y_test.tolist()) == {0, 1}
    prepared = clf.prepare(ds, clf.ImageTrainConfig(dataset="own", val_split=0.0))
    assert prepared.meta["style"] == "photo" and prepared.meta["input"] == [3, 32, 32]


def test_download_is_faked_at_the_project_boundary(monkeypatch, small_mnist, tmp_path):
    from playground.data import images

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(images, "online", lambda *a, **k: False)
    with pytest.raises(PlaygroundError, match="no internet connection"):
        images.download("cifar10")
    monkeypatch.setattr(images, "online", lambda *a, **k: True)
    seen = {}

    def fake_fetch(name, root):
        seen["args"] = (name, root)
        return small_mnist

    monkeypatch.setattr(images, "fetch_torchvision", fake_fetch)
    assert images.download("mnist") is small_mnist and seen["args"] == ("mnist", tmp_path)

    def failing_fetch(name, root):
        raise OSError("HTTP Error 503: Service Unavailable")

    monkeypatch.setattr(images, "fetch_torchvision", failing_fetch)
    with pytest.raises(PlaygroundError, match="Could not download FashionMNIST .*503"):
        images.download("fashion-mnist")
    with pytest.raises(PlaygroundError, match="cannot be downloaded"):
        images.download("imagenet")


@pytest.mark.parametrize("arch", ["lenet", "vgg-small", "resnet-small"])
def test_what_the_network_sees_for_every_trainable_architecture(arch, small_mnist):
    """The classify tab's pictures work for each architecture the CNN page can train, not only the course CNN."""
    config = clf.ImageTrainConfig(arch=arch, train_size=200, val_split=0.0)
    prepared = clf.prepare(small_mnist, config)
    model = clf.build_model(prepared.meta, config.seed, config.arch)
    x = prepared.X_test[:1]
    filters = clf.first_layer_filters(model)
    assert filters.ndim == 3 and filters.min() >= 0 and filters.max() <= 1
    maps = clf.feature_maps(model, x)
    assert len(maps) >= 2 and all(m.ndim == 3 for m in maps)
    assert maps[0].shape[1] >= maps[-1].shape[1]  # the maps shrink (or keep their size) towards the head
    cam = clf.grad_cam(model, x, 3)
    assert cam.shape == (28, 28) and cam.min() >= 0 and cam.max() <= 1
    assert prepared.meta["arch"] == arch


def test_course_input_resizes_to_64x64x3_and_gives_the_course_cnn(small_mnist, mnist):
    from playground.data.images import resize_images

    config = clf.ImageTrainConfig(input="course", train_size=1000, val_split=0.1)
    prepared = clf.prepare(small_mnist, config)
    data = prepared.data
    assert data.X_train.shape == (1000, 3, 64, 64) and data.X_val.shape == (300, 3, 64, 64)
    assert prepared.X_test.shape == (1000, 3, 64, 64) and prepared.raw_test.shape == (1000, 3, 64, 64)
    assert prepared.raw_test.dtype == torch.uint8
    assert torch.equal(data.X_train[:, 0], data.X_train[:, 2])  # grey copied into the three channels
    assert torch.equal(prepared.raw_test[:5, 1], resize_images(small_mnist.X_test[:5], 64)[:, 0])
    meta = prepared.meta
    assert meta["input"] == [3, 64, 64] and meta["resized_from"] == [1, 28, 28]
    assert len(meta["mean"]) == 3 and meta["mean"][0] == meta["mean"][2]
    assert abs(float(data.X_train.mean())) < 0.05 and abs(float(data.X_train.std()) - 1) < 0.05  # normalised
    model = clf.build_model(meta, seed=0)
    assert sum(p.numel() for p in model.parameters()) == 204_490  # the course's Keras summary at 64×64×3
    native = clf.prepare(small_mnist, clf.ImageTrainConfig(train_size=1000))
    assert native.data.X_train.shape == (1000, 1, 28, 28) and "resized_from" not in native.meta
    assert sum(p.numel() for p in clf.build_model(native.meta, seed=0).parameters()) == 60_554
    with pytest.raises(PlaygroundError, match="at most 10,000"):
        clf.prepare(mnist, clf.ImageTrainConfig(input="course", train_size=20000))


def test_a_picture_is_prepared_at_28x28_then_resized_as_the_training_images(small_mnist, mnist):
    prepared = clf.prepare(small_mnist, clf.ImageTrainConfig(input="course", train_size=100, val_split=0.0))
    model = clf.build_model(prepared.meta, seed=0)
    prediction = clf.predict(model, prepared.meta, photo_of(mnist.X_test[0, 0].numpy()))
    *before, last = prediction.steps
    assert before[-1].image.shape == (28, 28) and last.image.shape == (64, 64, 3)
    assert (last.image[..., 0] == last.image[..., 2]).all()
    assert prediction.x.shape == (1, 3, 64, 64) and len(prediction.probabilities) == 10
    loaded, meta = load_model(model_bytes(model, prepared.meta))  # the file keeps how pictures are made
    assert clf.predict(loaded, meta, photo_of(mnist.X_test[0, 0].numpy())).probabilities == prediction.probabilities
    assert clf.grad_cam(model, prediction.x, 7).shape == (64, 64)


def test_the_parameter_note_is_computed_from_the_models():
    sizes = clf.input_sizes("cnn", (1, 28, 28), 10)
    assert sizes["native"].parameters == 60_554 and sizes["course"].parameters == 204_490
    assert sizes["native"].flattened == (1, 1, 64) and sizes["course"].flattened == (6, 6, 64)
    note = clf.input_note(sizes)
    assert "60,554" in note and "204,490" in note and "1×1×64" in note and "6×6×64 = 2,304" in note
    assert "3 input channels instead of 1" in note
    own = clf.input_sizes("cnn", (3, 64, 64), 2)
    assert own["native"] == own["course"] and "already 64×64×3" in clf.input_note(own)


def test_best_accuracy_preset_is_a_valid_link_and_trains_longer_than_the_default():
    from playground.share import from_query, to_query

    preset = dataclasses.replace(clf.ImageTrainConfig(), **clf.BEST_ACCURACY)
    config, ignored = from_query(clf.ImageTrainConfig, to_query(preset, "cnn"), "cnn")
    assert config == preset and not ignored
    default = clf.ImageTrainConfig()
    assert preset.arch == default.arch == "cnn" and preset.input == default.input == "native"
    assert preset.epochs * (preset.train_size or 50_000) > default.epochs * (default.train_size or 50_000)


def test_the_course_cnn_starts_as_keras_would():
    """Glorot-uniform weights over their whole range and zero biases (PyTorch's default draws wider weights)."""
    torch.manual_seed(0)
    layers = [m for m in create_model("cnn").modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert len(layers) == 5
    for layer in layers:
        fan_in, fan_out = layer.weight[0].numel(), layer.weight.shape[0] * layer.weight[0, 0].numel()
        bound = (6 / (fan_in + fan_out)) ** 0.5
        assert 0.95 * bound < layer.weight.abs().max() <= bound
        assert not layer.bias.any()


def test_bfloat16_only_on_a_cpu_that_computes_it_and_when_asked(monkeypatch):
    config = clf.ImageTrainConfig(device="cpu")
    monkeypatch.setattr(clf, "cpu_bfloat16", lambda: True)
    with clf.mixed_precision(config):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    with clf.mixed_precision(dataclasses.replace(config, precision="float32")):
        assert not torch.is_autocast_enabled("cpu")
    assert (
        config.train_config().label_smoothing != 0
        and not dataclasses.replace(config, precision="float32").train_config().amp
    )  # float32 turns the GPU's mixed precision off too
    monkeypatch.setattr(clf, "cpu_bfloat16", lambda: False)
    with clf.mixed_precision(config):
        assert not torch.is_autocast_enabled("cpu")


def test_the_precision_switch_also_turns_bfloat16_off_on_the_cpu(monkeypatch):
    from playground.device import AMP_ENV

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)  # as on a CPU that has it
    monkeypatch.delenv(AMP_ENV, raising=False)
    assert clf.cpu_bfloat16()
    monkeypatch.setenv(AMP_ENV, "off")
    assert not clf.cpu_bfloat16()


@pytest.mark.parametrize("precision", ["auto", "float32"])
def test_same_seed_same_run_in_either_precision(small_mnist, precision, monkeypatch):
    monkeypatch.setattr(clf, "cpu_bfloat16", lambda: True)  # "auto" runs in bfloat16 on any CPU
    config = clf.ImageTrainConfig(train_size=1000, epochs=2, val_split=0.1, precision=precision, device="cpu")
    runs = []
    for _ in range(2):
        prepared = clf.prepare(small_mnist, config)
        model = clf.build_model(prepared.meta, config.seed)
        history = clf.train(model, prepared, config)
        runs.append((history.last.train_loss, history.last.val_loss, model.state_dict()["classifier.1.weight"]))
    assert runs[0][:2] == runs[1][:2] and torch.equal(runs[0][2], runs[1][2])
    assert runs[0][1] < 1.0  # it learned: the loss at chance is ln 10 = 2.3


def test_augmentation_keeps_float32_inside_a_bfloat16_autocast():
    """The sampling grid is a matrix product, which a bfloat16 autocast would round: shifted digits would move."""
    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    exact = clf._shift_rotate(x, torch.Generator().manual_seed(1))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside = clf._shift_rotate(x, torch.Generator().manual_seed(1))
    assert inside.dtype == torch.float32 and torch.equal(inside, exact)
