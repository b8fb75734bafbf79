from playground.backprop.network import NetworkConfig
from playground.backprop.neuron import Neuron
from playground.share import from_query, to_query


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
    assert sorted(ignored) == ["lr", "noise"]


def test_invalid_combination_falls_back_to_defaults():
    config, ignored = from_query(Neuron, {"neuron.inputs": "1,2", "neuron.activation": "sigmoid"}, "neuron")
    assert config == Neuron() and "inputs" in ignored
