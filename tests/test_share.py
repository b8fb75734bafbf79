import dataclasses

from playground.backprop.network import NetworkConfig
from playground.backprop.neuron import Neuron
from playground.series.forecaster import ForecastConfig
from playground.share import _encode, from_query, to_query
from playground.text.classifier import TextTrainConfig
from playground.vision.classifier import ImageTrainConfig


def test_round_trip_through_the_url():
    config = NetworkConfig(dataset="spiral", hidden=(16, 16, 4), features=("x1", "x2", "sin_x1"), lr=0.003, noise=0.25)
    query = to_query(config, "net")
    assert query["net.hidden"] == "16,16,4" and query["net.dataset"] == "spiral"
    assert "net.seed" not in query  # defaults stay out of the link
    back, ignored = from_query(NetworkConfig, query, "net")
    assert back == config and ignored == []


def test_bad_values_are_ignored_and_named():
    params = {"net.lr": "fast", "net.epochs": "12", "net.noise": "nan", "other.lr": "1"}
    config, ignored = from_query(NetworkConfig, params, "net")
    assert config.epochs == 12 and config.lr == NetworkConfig().lr
    assert sorted(ignored) == ["lr=fast (not readable)", "noise=nan (not readable)"]


def test_a_value_the_config_refuses_is_named_with_its_reason_and_the_others_are_kept():
    config, ignored = from_query(Neuron, {"neuron.inputs": "1,2", "neuron.activation": "relu"}, "neuron")
    assert config == Neuron(activation="relu")
    assert len(ignored) == 1 and ignored[0].startswith("inputs=1,2 (") and ignored[0].endswith(")")


def test_out_of_range_and_unknown_values_are_named_with_what_is_allowed():
    params = {"cnn.epochs": "999999", "cnn.train_size": "2000", "cnn.lr": "0.004", "cnn.optimizer": "lbfgs"}
    config, ignored = from_query(ImageTrainConfig, params, "cnn")
    assert config.epochs == 1 and config.train_size == ImageTrainConfig().train_size and config.optimizer == "adam"
    assert config.lr == 0.004  # the one allowed value is kept
    assert "epochs=999999 (1 to 200)" in ignored
    assert "train_size=2000 (one of 0, 1000, 5000, 10000, 20000, 30000)" in ignored
    assert any(i.startswith("optimizer=lbfgs (one of adam,") for i in ignored)


def test_a_tuple_is_bounded_in_length_and_in_each_item():
    config, ignored = from_query(NetworkConfig, {"net.hidden": ",".join(["16"] * 50)}, "net")
    assert config.hidden == NetworkConfig().hidden and ignored == [
        f"hidden={','.join(['16'] * 50)} (at most 8 values, each 1 to 256)"
    ]
    config, ignored = from_query(NetworkConfig, {"net.hidden": "16,16"}, "net")
    assert config.hidden == (16, 16) and ignored == []


def test_every_limit_admits_its_own_default():
    # every field written into a link, defaults included, reads back with nothing ignored
    for cls, prefix in (
        (ImageTrainConfig, "cnn"),
        (ForecastConfig, "fc"),
        (TextTrainConfig, "sent"),
        (NetworkConfig, "net"),
    ):
        defaults = cls()
        params = {
            f"{prefix}.{f.name}": _encode(getattr(defaults, f.name))
            for f in dataclasses.fields(cls)
            if getattr(defaults, f.name) is not None
        }
        config, ignored = from_query(cls, params, prefix)
        assert ignored == [] and config == defaults, (cls.__name__, ignored)
