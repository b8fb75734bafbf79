"""Exported backprop and forecast runs: the standalone script, run without the package, gives the package's result."""

import io

import nbformat
import numpy as np
import pandas as pd
import pytest
import torch

from playground.backprop import network
from playground.backprop.network import NetworkConfig
from playground.data.toy2d import FEATURES
from playground.errors import PlaygroundError
from playground.export import export, save
from playground.export.backprop import ACCURACY_TOLERANCE, FEATURE_CODE, POINTS_FILE
from playground.export.forecast import MAE_TOLERANCE, SERIES_FILE
from playground.series import forecaster as fc
from playground.series.data import load_bundled, synthetic
from tests.helpers import imported_modules, run_exported

BACKPROP_CONFIGS = [
    NetworkConfig(dataset="circle", n_points=200, hidden=(6,), epochs=50, device="cpu"),
    NetworkConfig(
        dataset="xor",
        n_points=200,
        noise=0.2,
        test_ratio=0.4,
        features=("x1", "x2", "x1x2", "sin_x1", "x2^2"),
        hidden=(6, 4),
        activation="relu",
        optimizer="momentum",
        lr=0.01,
        batch_size=16,
        l1=0.001,
        l2=0.001,
        epochs=50,
        seed=3,
        device="cpu",
    ),
]
FORECAST_CONFIGS = [
    fc.ForecastConfig(source="dataset:sine", hidden=8, layers=1, epochs=5, device="cpu"),
    fc.ForecastConfig(
        source="dataset:msft",
        target="log-return",
        scaler="minmax",
        lookback=6,
        horizon=2,
        cell="gru",
        hidden=8,
        layers=2,
        dropout=0.2,
        batch_size=16,
        epochs=5,
        seed=7,
        device="cpu",
    ),
]


def check_standalone(script: str, tmp_path) -> None:
    """No import of playground; the notebook form is valid nbformat 4 with text and code cells."""
    modules = imported_modules(script)
    assert {"torch", "numpy", "pandas"} <= modules
    assert "playground" not in {m.split(".")[0] for m in modules}
    notebook = nbformat.read(tmp_path / "experiment.ipynb", as_version=4)
    nbformat.validate(notebook)
    kinds = {cell.cell_type for cell in notebook.cells}
    assert kinds == {"markdown", "code"}
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    assert not any("# %%" in cell.source for cell in notebook.cells)


@pytest.mark.parametrize("config", BACKPROP_CONFIGS, ids=["circle-adam", "xor-features-l1-l2-momentum"])
def test_backprop_script_gives_the_package_accuracy(config, tmp_path, cpu_threads):
    torch.set_num_threads(1)
    result = export("backprop", config)
    assert result.metric == "test_accuracy" and set(result.files) == {POINTS_FILE}
    save(result, tmp_path / "experiment.ipynb")
    check_standalone(result.script, tmp_path)
    reported = run_exported(result, tmp_path)

    model, data = network.build(config)
    network.train(model, data, config)
    expected = network.accuracy(model, data.X_test, data.y_test)
    assert reported["metric"] == "test_accuracy"
    assert abs(reported["value"] - expected) <= ACCURACY_TOLERANCE, (reported, expected)


def test_points_file_holds_the_package_split_bit_for_bit():
    config = BACKPROP_CONFIGS[1]
    _model, data = network.build(config)
    points = pd.read_csv(io.BytesIO(export("backprop", config).files[POINTS_FILE]))
    train, test = points[points.part == "train"], points[points.part == "test"]
    np.testing.assert_array_equal(train[["x1", "x2"]].to_numpy(), data.points_train)
    np.testing.assert_array_equal(test[["x1", "x2"]].to_numpy(), data.points_test)
    np.testing.assert_array_equal(test.label.to_numpy(), data.y_test.numpy())


def test_feature_code_computes_the_package_features():
    assert set(FEATURE_CODE) == set(FEATURES)
    x1, x2 = np.random.default_rng(0).uniform(-6, 6, (2, 50))
    for name, code in FEATURE_CODE.items():
        value = eval(code, {"np": np, "x1": x1, "x2": x2})  # the expression the script writes
        np.testing.assert_array_equal(value, FEATURES[name][1](x1, x2), err_msg=name)


@pytest.mark.parametrize("config", FORECAST_CONFIGS, ids=["sine-lstm-price", "msft-gru-log-return-dropout"])
def test_forecast_script_gives_the_package_mae(config, tmp_path, cpu_threads):
    torch.set_num_threads(1)
    series = load_bundled(config.source.removeprefix("dataset:"))
    result = export("forecast", config, series)
    assert result.metric == "test_mae" and set(result.files) == {SERIES_FILE}
    save(result, tmp_path / "experiment.ipynb")
    check_standalone(result.script, tmp_path)
    reported = run_exported(result, tmp_path)

    prepared = fc.prepare(series, config)
    model = fc.build_model(prepared, config)
    fc.train(model, prepared, config)
    scores = fc.evaluate(model, prepared, config).scores
    assert reported["metric"] == "test_mae"
    assert abs(reported["value"] - scores["model"].mae) <= MAE_TOLERANCE * scores["model"].mae, (reported, scores)
    assert reported["naive_mae"] == pytest.approx(scores["naive"].mae, rel=1e-12)  # no training: the same numbers


def test_forecast_export_loads_a_bundled_series_or_asks_for_the_page_one():
    config = fc.ForecastConfig(source="dataset:sunspots", epochs=1)
    values = pd.read_csv(io.BytesIO(export("forecast", config).files[SERIES_FILE])).value.to_numpy()
    np.testing.assert_array_equal(values, load_bundled("sunspots").values)
    with pytest.raises(PlaygroundError):
        export("forecast", fc.ForecastConfig(source="yahoo:AAPL"))
    with pytest.raises(PlaygroundError):  # too short for the lookback: the page's own check
        export("forecast", fc.ForecastConfig(source="csv", lookback=100), synthetic(n=60))
