import numpy as np
import pytest

from playground.backprop.network import GradNormRecorder, NetworkConfig, accuracy, build, decision_grid, train
from playground.data.toy2d import DATASETS, make_points, make_toy2d
from playground.errors import PlaygroundError


@pytest.mark.parametrize("name", DATASETS)
def test_datasets_are_two_balanced_classes(name):
    X, y = make_points(name, 400, 0.1, seed=0)
    assert X.shape == (400, 2) and y.shape == (400,)
    assert set(np.unique(y)) == {0, 1}
    assert 0.3 < y.mean() < 0.7
    X2, y2 = make_points(name, 400, 0.1, seed=0)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_split_and_features_use_training_statistics_only():
    data = make_toy2d("xor", 200, 0.0, test_ratio=0.3, features=("x1", "x2", "x1x2", "sin_x1"), seed=1)
    assert len(data.X_train) == 140 and len(data.X_test) == 60
    assert data.X_train.shape[1] == 4
    assert np.allclose(data.X_train.numpy().mean(axis=0), 0, atol=1e-5)
    assert not np.allclose(data.X_test.numpy().mean(axis=0), 0, atol=1e-5)


def test_circle_two_hidden_layers_reach_95_percent_test_accuracy():
    config = NetworkConfig(dataset="circle", hidden=(8, 8), activation="tanh", epochs=300, seed=0)
    model, data = build(config)
    history = train(model, data, config)
    assert len(history.epochs) == 300
    assert accuracy(model, data.X_test, data.y_test) >= 0.95


def test_deep_sigmoid_gradients_vanish_next_to_relu():
    ratios = {}
    for activation in ("sigmoid", "relu"):
        config = NetworkConfig(
            dataset="spiral", hidden=(8,) * 6, activation=activation, epochs=3, optimizer="sgd", lr=0.1
        )
        model, data = build(config)
        norms = GradNormRecorder()
        train(model, data, config, callbacks=[norms])
        first, last = norms.per_epoch[0][0], norms.per_epoch[0][-1]
        ratios[activation] = first / last
    assert ratios["sigmoid"] < 0.01  # the first layer learns a hundred times slower than the last
    assert ratios["relu"] > 10 * ratios["sigmoid"]


def test_decision_grid_is_a_probability_map():
    model, data = build(NetworkConfig())
    xs, ys, p = decision_grid(model, data, resolution=20)
    assert p.shape == (20, 20) and ((p >= 0) & (p <= 1)).all()
    assert xs[0] < data.points_train[:, 0].min() and ys[-1] > data.points_train[:, 1].max()


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(dataset="donut"),
        dict(noise=2.0),
        dict(n_points=5),
        dict(test_ratio=0.99),
        dict(features=()),
        dict(hidden=(0,)),
        dict(hidden=(8,) * 20),
    ],
)
def test_bad_settings_are_one_sentence(kwargs):
    with pytest.raises(PlaygroundError):
        build(NetworkConfig(**kwargs))
