"""The backprop MLP's model file: its settings written by model_meta and read back by config_from_meta."""

from dataclasses import replace

import numpy as np
import pytest

from playground.backprop.network import NetworkConfig, build, config_from_meta, model_meta
from playground.errors import PlaygroundError
from playground.models import load_model, model_bytes

CONFIG = NetworkConfig(
    dataset="xor",
    n_points=200,
    features=("x1", "x2", "x1x2"),
    hidden=(6, 3),
    activation="relu",
    optimizer="momentum",
    lr=0.1,
    epochs=5,
    device="cpu",
)


def saved(config: NetworkConfig = CONFIG):
    model, data = build(config)
    return (*load_model(model_bytes(model, model_meta(config, data))), data)


def test_the_settings_come_back_from_the_file_and_describe_its_network():
    model, meta, data = saved()
    config = config_from_meta(meta, model)
    assert config == replace(CONFIG, device=None)  # the machine that loads it picks its own device
    assert isinstance(config.features, tuple) and isinstance(config.hidden, tuple)
    assert [layer.in_features for layer in model.linear_layers()] == [3, 6, 3]
    assert meta["features"] == ["x1", "x2", "x1x2"] and meta["classes"] == ["0", "1"]
    assert np.allclose(meta["mean"], data.mean) and np.allclose(meta["std"], data.std)
    rebuilt, rebuilt_data = build(config)  # the same data and the same network again
    assert np.allclose(rebuilt_data.mean, data.mean) and rebuilt.playground_arch == model.playground_arch


def test_lists_from_a_plain_file_are_read_as_tuples_and_ints_as_floats():
    model, meta, _ = saved()
    meta["config"] |= {"features": list(CONFIG.features), "hidden": list(CONFIG.hidden), "l2": 0}
    config = config_from_meta(meta, model)
    assert config.hidden == (6, 3) and config.features == CONFIG.features and config.l2 == 0.0
    assert isinstance(config.l2, float)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda meta: meta.pop("config"), "does not say which data and settings"),
        (lambda meta: meta.update(config="xor"), "does not say which data and settings"),
        (lambda meta: meta["config"].pop("hidden"), "does not say which data and settings"),
        (lambda meta: meta["config"].update(hidden=[6, "3"]), "'hidden' setting is not readable"),
        (lambda meta: meta["config"].update(features=[1, 2, 3]), "'features' setting is not readable"),
        (lambda meta: meta["config"].update(activation="swish"), "'activation' setting is not readable"),
        (lambda meta: meta["config"].update(dataset="mnist"), "'dataset' setting is not readable"),
        (lambda meta: meta["config"].update(n_points=True), "'n_points' setting is not readable"),
        (lambda meta: meta["config"].update(noise="0.1"), "'noise' setting is not readable"),
        (lambda meta: meta["config"].update(hidden=[6, 4]), "do not match its network"),
        (lambda meta: meta["config"].update(features=["x1", "x2"]), "do not match its network"),
        (lambda meta: meta["config"].update(activation="tanh"), "do not match its network"),
    ],
)
def test_a_file_without_usable_settings_is_one_sentence(change, message):
    model, meta, _ = saved()
    change(meta)
    with pytest.raises(PlaygroundError, match=message):
        config_from_meta(meta, model)


def test_without_a_model_only_the_settings_are_checked():
    model, meta, _ = saved()
    meta["config"]["hidden"] = [6, 4]
    assert config_from_meta(meta).hidden == (6, 4)
    other, _ = build(replace(CONFIG, hidden=(6, 4)))
    assert config_from_meta(meta, other).hidden == (6, 4)
