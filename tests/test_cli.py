import argparse
import json

import pytest
from torch import nn

from playground.backprop import neuron as nrn
from playground.backprop.network import NetworkConfig
from playground.cli.main import build_parser, main
from playground.models import create_model, get_spec, list_models, load_model, register_model
from playground.models.registry import model_skeleton, unregister_model
from playground.series.forecaster import ForecastConfig
from playground.share import limits
from playground.text.classifier import TextTrainConfig
from playground.vision.classifier import ImageTrainConfig
from tests.helpers import cli


def test_help_lists_a_subcommand_per_capability():
    result = cli("--help")
    assert result.returncode == 0
    for command in ("info", "models", "summary", "neuron", "mlp"):
        assert command in result.stdout


def test_neuron_json_gives_the_page_numbers():
    result = cli("neuron", "--steps", "5", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    n = nrn.Neuron()
    assert out["forward"]["a"] == pytest.approx(nrn.forward(n).a)
    assert out["gradients"]["hand"] == pytest.approx(list(nrn.check_gradients(n).hand))
    assert out["gradients"]["max_abs_diff"] < 1e-8
    assert out["after"]["weights"] == pytest.approx(list(nrn.run_steps(n, 5).final.weights))


def test_mlp_json_is_exactly_one_object_and_saves_a_model(tmp_path):
    path = tmp_path / "mlp.pt"
    result = cli("mlp", "--dataset", "moons", "--epochs", "5", "--seed", "1", "--json", "--save", str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)  # fails on any extra text
    assert len(result.stdout.strip().splitlines()) == 1
    assert [row["epoch"] for row in out["history"]] == [1, 2, 3, 4, 5]
    assert {"train_accuracy", "test_accuracy"} <= set(out["final"])
    assert out["config"]["seed"] == 1 and out["samples_per_s"] > 0 and out["seconds"] > 0
    model, meta = load_model(path)
    assert meta["features"] == ["x1", "x2"] and meta["config"]["dataset"] == "moons"


def test_same_seed_same_cli_history():
    a = json.loads(cli("mlp", "--epochs", "3", "--seed", "7", "--json").stdout)["history"]
    b = json.loads(cli("mlp", "--epochs", "3", "--seed", "7", "--json").stdout)["history"]
    assert [r["train_loss"] for r in a] == [r["train_loss"] for r in b]


@pytest.mark.parametrize(
    "args, message",
    [
        (("mlp", "--epochs", "0"), "Epochs must be at least 1"),
        (("mlp", "--device", "cuda:7"), "CUDA"),
        (("mlp", "--features", "z"), "feature"),
        (("neuron", "--weights", "1,2"), "one weight for every input"),
        (("summary", "resnet9000", "--input", "3,32,32"), "no model called"),
        (("summary", "mlp", "--input", "1,28,28"), "'mlp' cannot take inputs of shape [1, 28, 28]"),
        (("summary", "text-rnn", "--input", "5,3"), "'text-rnn' cannot take inputs of shape [5, 3]"),
        (("summary", "mlp", "--input", "0"), "sizes of at least 1"),
    ],
)
def test_errors_are_one_sentence_on_stderr(args, message):
    result = cli(*args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_summary_and_models_json():
    out = json.loads(cli("summary", "mlp", "--input", "2", "--json").stdout)
    assert out["total_params"] == 2 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2
    names = [m["name"] for m in json.loads(cli("models", "--json").stdout)["models"]]
    assert "mlp" in names
    info = json.loads(cli("info", "--json").stdout)
    assert info["device"]["kind"] == "cpu" and "torch" in info["versions"]


def test_train_cnn_then_predict_files(tmp_path):

    from playground.data.images import load_bundled
    from tests.helpers import photo_of

    model_path = tmp_path / "cnn.pt"
    result = cli(
        "train",
        "cnn",
        "--dataset",
        "mnist",
        "--train-size",
        "2000",
        "--epochs",
        "1",
        "--seed",
        "0",
        "--json",
        "--save",
        str(model_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["final"]["test_accuracy"] > 0.8 and len(out["confusion_matrix"]) == 10
    photo = tmp_path / "seven.jpg"
    photo_of(load_bundled("mnist").X_test[0, 0].numpy()).save(photo)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    result = cli("predict", str(model_path), str(photo), str(bad), "--json")
    assert result.returncode == 1  # one file failed
    predictions = json.loads(result.stdout)["predictions"]
    assert predictions[0]["top"][0]["class"] == "7"
    assert "error" in predictions[1] and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_train_on_a_folder_of_class_folders(tmp_path):
    from PIL import Image

    for name, colour in (("light", 230), ("dark", 25)):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(6):
            Image.new("RGB", (20, 24), (colour, colour - i, colour)).save(tmp_path / "data" / name / f"{i}.png")
    result = cli(
        "train",
        "cnn",
        "--dataset",
        f"folder:{tmp_path / 'data'}",
        "--image-size",
        "32",
        "--epochs",
        "3",
        "--val-split",
        "0",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["classes"] == ["dark", "light"]


def test_summary_builds_the_model_for_the_given_input():
    out = json.loads(cli("summary", "cnn", "--input", "3,64,64", "--json").stdout)
    assert out["total_params"] == 204_490  # the course's CNN on 64×64×3, as Keras counts it
    out = json.loads(cli("summary", "mlp", "--input", "5", "--classes", "3", "--json").stdout)
    assert out["total_params"] == 5 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3


def test_a_model_file_without_its_architecture_is_one_sentence(tmp_path):
    import torch

    path = tmp_path / "no-arch.pt"
    torch.save({"format": "playground-model/1", "kwargs": {}, "state_dict": {}, "meta": {}}, path)
    image = tmp_path / "digit.png"
    image.write_bytes(b"not needed: the model file is refused first")
    for args in (("predict", str(path), str(image)), ("sentiment", "--load", str(path), "--predict", "fine")):
        result = cli(*args)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "This model file has no 'arch' entry" in lines[0]
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr


@pytest.mark.parametrize("name", ["text-rnn", "bow-logreg"])
def test_summary_of_a_text_model_feeds_token_ids(name):
    result = cli("summary", name, "--input", "5", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["total_params"] == sum(p.numel() for p in create_model(name).parameters())
    assert out["rows"][-1]["output_shape"] == [1]  # one logit: positive or not


@pytest.mark.parametrize("name", list_models())
def test_summary_runs_for_every_registered_model_at_its_own_input(name, capsys):
    spec = get_spec(name)
    size = sum(p.numel() for p in model_skeleton(name).parameters())
    if size > 5_000_000:
        pytest.skip("ImageNet-sized: seconds each; test_models.py runs every model at its own input")
    assert main(["summary", name, "--input", ",".join(map(str, spec.input_shape)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] > 0


def subcommand(name: str) -> argparse.ArgumentParser:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[name]


def choices_of(command: str, flag: str) -> list:
    return next(a for a in subcommand(command)._actions if flag in a.option_strings or a.dest == flag).choices


@pytest.mark.parametrize(
    "command, flag, config, field",
    [
        ("train", "--optimizer", ImageTrainConfig, "optimizer"),
        ("train", "--schedule", ImageTrainConfig, "schedule"),
        ("mlp", "--dataset", NetworkConfig, "dataset"),
        ("mlp", "--activation", NetworkConfig, "activation"),
        ("mlp", "--optimizer", NetworkConfig, "optimizer"),
        ("sentiment", "--model", TextTrainConfig, "cell"),
        ("sentiment", "--tokens", TextTrainConfig, "mode"),
        ("sentiment", "--padding", TextTrainConfig, "padding"),
        ("forecast", "--model", ForecastConfig, "cell"),
        ("forecast", "--target", ForecastConfig, "target"),
        ("forecast", "--scaler", ForecastConfig, "scaler"),
        ("forecast", "--interval-method", ForecastConfig, "interval"),
    ],
)
def test_each_choice_is_the_config_fields_options(command, flag, config, field):
    assert choices_of(command, flag) == list(limits(config, field)["choices"])


@pytest.fixture
def throwaway_image_model():
    name = "tiny-test-net"

    @register_model(
        name,
        "image",
        (1, 28, 28),
        description="A throwaway: one linear layer on the pixels",
        shape_kwargs=lambda shape: {"pixels": shape[0] * shape[1] * shape[2]},
        trained_on=("cnn", "architectures"),
    )
    def tiny(pixels: int = 784, num_classes: int = 10) -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(int(pixels), int(num_classes)))

    try:
        yield name
    finally:
        unregister_model(name)


def test_a_model_registered_after_import_is_offered_and_trains(throwaway_image_model, capsys, cpu_threads):
    name = throwaway_image_model
    assert name in choices_of("train", "model") and name in choices_of("compare", "models")
    args = ["train", name, "--dataset", "mnist", "--train-size", "500", "--epochs", "1", "--seed", "0", "--json"]
    assert main(args) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == name and len(out["history"]) == 1
    assert out["final"]["test_accuracy"] > 0.5  # a linear model on 500 digits, far above a guess's 0.1
    unregister_model(name)
    assert name not in choices_of("train", "model")  # the parser is built afresh from the registry


def test_forecast_save_then_load_gives_the_same_numbers_without_training(tmp_path):
    path = tmp_path / "forecaster.pt"
    common = ("--source", "dataset:sunspots", "--future", "6", "--json")
    trained = cli("forecast", *common, "--epochs", "2", "--lookback", "8", "--hidden", "16", "--save", str(path))
    assert trained.returncode == 0, trained.stderr
    loaded = cli("forecast", *common, "--load", str(path))
    assert loaded.returncode == 0, loaded.stderr
    a, b = json.loads(trained.stdout), json.loads(loaded.stdout)
    assert "history" in a and "history" not in b and b["loaded"] == str(path)
    assert b["config"]["lookback"] == 8 and b["config"]["hidden"] == 16 and b["parameters"] == a["parameters"]
    assert b["metrics"] == a["metrics"] and b["forecast"] == a["forecast"] and b["verdict"] == a["verdict"]
    # the file's own settings win over the training flags; how far to forecast is the file's unless given
    args = ("--source", "dataset:sunspots", "--load", str(path), "--lookback", "3", "--future", "2", "--json")
    other = json.loads(cli("forecast", *args).stdout)
    assert other["config"]["lookback"] == 8 and len(other["forecast"]) == 2


def test_forecast_load_refuses_what_it_cannot_use(tmp_path):
    mlp_file = tmp_path / "mlp.pt"
    assert cli("mlp", "--epochs", "1", "--save", str(mlp_file)).returncode == 0
    for args, message in (
        (("--load", str(mlp_file)), "This model file is not a forecaster."),
        (("--load", str(tmp_path / "missing.pt")), "There is no model file at"),
        (("--load", str(mlp_file), "--backtest", "2"), "goes without --backtest and --save"),
    ):
        result = cli("forecast", "--source", "dataset:sine", *args)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith("error: ") and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "unexpected" not in result.stderr
