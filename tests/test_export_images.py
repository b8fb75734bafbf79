"""Take the experiment home: the CNN page's run and the architectures comparison as standalone scripts.

Each script is run in a fresh interpreter that cannot import the playground, and its test accuracy
is checked against the package's own run at the same settings, within the tolerance the script states.
"""

import ast
import io
import re

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from playground.cli.export import page_export
from playground.cli.main import main
from playground.data.decode import ClassImages
from playground.data.images import ImageDataset, load_bundled
from playground.errors import PlaygroundError
from playground.export import CELL, RESULT, export, save
from playground.export.cnn import TOLERANCE, model_code
from playground.models import models_for
from playground.vision import architectures
from playground.vision.architectures import ArchitecturesConfig
from playground.vision.classifier import ImageTrainConfig, build_model, evaluate, own_dataset, prepare, train
from tests.helpers import imported_modules, run_exported

CNN = ImageTrainConfig(train_size=1000, epochs=1, seed=0)
POINTS = 1.0  # the exported scripts' test accuracy is within 1 percentage point of the package's, on a CPU


@pytest.fixture(scope="module")
def mnist():
    """The bundled MNIST cut to 11,000 training and 2,000 test images, so that the runs below take seconds.

    An exporter writes the data its page used, bundled or not; the page's split of 11,000 is 1,100 images for
    validation and 9,900 to train on, of which the runs take the first 1,000 (or 500).
    """
    full = load_bundled("mnist")
    return ImageDataset(
        "mnist", full.X_train[:11000], full.y_train[:11000], full.X_test[:2000], full.y_test[:2000], full.classes, ""
    )


@pytest.fixture(scope="module")
def cnn_export(mnist):
    return export("cnn", CNN, mnist)


def test_the_cnn_script_reaches_the_pages_test_accuracy(cnn_export, mnist, tmp_path, cpu_threads):
    torch.set_num_threads(1)  # as the script's run: bfloat16 sums depend on how the threads split them
    prepared = prepare(mnist, CNN)
    model = build_model(prepared.meta, CNN.seed)
    train(model, prepared, CNN)
    page = evaluate(model, prepared).accuracy

    result = run_exported(cnn_export, tmp_path)

    assert result["metric"] == "test_accuracy"
    assert abs(result["value"] - page) * 100 <= POINTS, (result["value"], page)
    assert TOLERANCE == POINTS and "within 1 percentage point" in cnn_export.script


def test_the_data_file_holds_the_pages_images(cnn_export, mnist):
    ((name, content),) = cnn_export.files.items()
    assert name == "cnn-mnist.npz"
    prepared = prepare(mnist, CNN)
    with np.load(io.BytesIO(content)) as data:
        assert data["X_train"].dtype == np.uint8 and data["X_train"].shape == (1000, 1, 28, 28)
        assert data["X_val"].shape == (1100, 1, 28, 28)
        assert np.array_equal(data["y_train"], prepared.data.y_train.numpy())
        assert np.array_equal(data["y_val"], prepared.data.y_val.numpy())
        assert np.array_equal(data["X_test"], mnist.X_test.numpy())
        mean, std = prepared.meta["mean"][0], prepared.meta["std"][0]
        X_train = (torch.from_numpy(data["X_train"]).float() / 255 - mean) / std
        assert torch.allclose(X_train, prepared.data.X_train, atol=1e-5)
        assert list(data["classes"]) == list(mnist.classes)


def test_the_architectures_script_reaches_each_models_test_accuracy(mnist, tmp_path, cpu_threads):
    torch.set_num_threads(1)  # as the script's run
    config = ArchitecturesConfig(compare=("lenet", "vgg-small"), train_size=500, epochs=1, seed=0)
    training = config.comparison()
    page = {r.name: r.test_accuracy for r in architectures.compare(config.compare, prepare(mnist, training), training)}

    exported = export("architectures", config, mnist)
    assert "playground" not in imported_modules(exported.script)
    result = run_exported(exported, tmp_path)

    assert result["metric"] == "test_accuracy"
    assert set(result["value"]) == set(page)
    for name, accuracy in page.items():
        assert abs(result["value"][name] - accuracy) * 100 <= POINTS, (name, result["value"][name], accuracy)


@pytest.mark.parametrize("name", sorted(set(models_for("cnn")) | set(models_for("architectures"))))
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 24, 24)])
def test_each_model_is_written_with_the_same_initial_weights(name, shape):
    source, calls = model_code([name], shape, 7)
    namespace = {"torch": torch, "nn": nn}
    exec(source, namespace)  # the script's class definitions, as the script runs them
    torch.manual_seed(3)
    written = eval(calls[name], namespace)
    page = build_model({"arch": name, "input": list(shape), "classes": list("abcdefg")}, seed=3)
    ours, theirs = written.state_dict(), page.state_dict()
    assert list(ours) == list(theirs)
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert written(torch.zeros(2, *shape)).shape == (2, 7)


def test_own_classes_are_written_at_their_size_in_colour():
    rng = np.random.default_rng(0)
    colours = {"red": (200, 30, 30), "blue": (30, 30, 200)}
    images = {
        name: [Image.fromarray((rng.normal(rgb, 20, (40, 50, 3))).clip(0, 255).astype(np.uint8)) for _ in range(6)]
        for name, rgb in colours.items()
    }
    dataset = own_dataset(ClassImages(images), size=64, seed=1)
    result = export("cnn", ImageTrainConfig(dataset="own", val_split=0.2, seed=1), dataset)
    with np.load(io.BytesIO(result.files["cnn-own.npz"])) as data:
        assert data["X_train"].shape[1:] == (3, 64, 64) and list(data["classes"]) == ["blue", "red"]
        assert len(data["X_train"]) + len(data["X_val"]) == len(dataset.X_train)
    assert "CourseCNN(in_channels=3, image_size=64, num_classes=2)" in result.script


def test_a_model_without_a_script_is_one_sentence():
    with pytest.raises(PlaygroundError, match="deep-net"):
        model_code(["deep-net"], (1, 28, 28), 10)


def test_the_scripts_import_nothing_of_the_playground(cnn_export):
    modules = imported_modules(cnn_export.script)
    assert {"torch", "numpy", "json"} <= modules
    assert "playground" not in modules


def test_the_notebook_is_valid_and_holds_the_same_code(cnn_export, tmp_path):
    path = save(cnn_export, tmp_path / "x.ipynb")
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert (tmp_path / "cnn-mnist.npz").read_bytes() == cnn_export.files["cnn-mnist.npz"]
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    cells = re.split(rf"^{re.escape(CELL)}(.*)$", cnn_export.script, flags=re.MULTILINE)[1:]  # header, body, …
    assert code == [body.strip("\n") for header, body in zip(cells[::2], cells[1::2]) if not header]
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "## The data" in markdown and "percentage point" in markdown
    assert code[-1].startswith("print(") and RESULT.strip() in code[-1]


def test_the_cli_writes_the_script_and_its_data(tmp_path, capsys):
    out = tmp_path / "home" / "run.py"
    args = ["export", "cnn", "--set", "epochs=2", "--set", "arch=lenet", "--set", "train_size=1000", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    assert (tmp_path / "home" / "cnn-mnist.npz").stat().st_size > 100_000
    script = out.read_text(encoding="utf-8")
    assert "EPOCHS = 2" in script and "LeNet5(in_channels=1, image_size=28, num_classes=10)" in script
    ast.parse(script)
    assert "run.py" in capsys.readouterr().out


@pytest.mark.parametrize(
    "setting, named",
    [("epochs=999999", "epochs=999999"), ("optimizer=magic", "optimizer=magic"), ("colour=red", "colour"),
     ("epochs", "FIELD=VALUE")],
)  # fmt: skip
def test_the_cli_refuses_a_bad_setting_in_one_sentence(setting, named, tmp_path, capsys):
    out = tmp_path / "run.py"
    assert main(["export", "cnn", "--set", setting, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert named in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_page_that_cannot_be_exported_yet_is_one_sentence():
    with pytest.raises(PlaygroundError, match="cannot be exported yet"):
        page_export("nosuchpage", None)
