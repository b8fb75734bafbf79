import math
from dataclasses import replace

import pytest

from playground.backprop import neuron as nrn
from playground.errors import PlaygroundError


def test_course_example_numbers():
    n = nrn.Neuron()
    fwd = nrn.forward(n)
    assert fwd.z == pytest.approx(-0.01)
    assert fwd.a == pytest.approx(1 / (1 + math.exp(0.01)))
    assert round(fwd.a, 4) == 0.4975
    assert fwd.loss == pytest.approx((1 - fwd.a) ** 2)
    bwd = nrn.backward(n)
    # ∂L/∂w1 = -2(y - a) · a(1 - a) · x1
    assert bwd.dL_dw[0] == pytest.approx(-2 * (1 - fwd.a) * fwd.a * (1 - fwd.a) * 0.5)
    assert bwd.dL_db == pytest.approx(bwd.dL_dz)


# weights chosen so that z is away from ReLU's kink and a lies inside (0, 1) for every activation
POINTS = [
    dict(inputs=(0.5, -0.2, 0.1), weights=(0.6, -0.4, 0.3), bias=0.1),  # z = 0.51
    dict(inputs=(0.9, 0.3, -0.4), weights=(0.4, 0.2, -0.3), bias=0.05),  # z = 0.59
]


@pytest.mark.parametrize("activation", list(nrn.ACTIVATIONS))
@pytest.mark.parametrize("loss", list(nrn.LOSSES))
@pytest.mark.parametrize("point", POINTS)
def test_hand_autograd_and_finite_differences_agree(activation, loss, point):
    n = nrn.Neuron(activation=activation, loss=loss, target=1.0 if loss == "mse" else 0.0, **point)
    check = nrn.check_gradients(n)
    assert check.hand == pytest.approx(check.autograd, abs=1e-12)
    assert check.hand == pytest.approx(check.numerical, abs=1e-7)
    assert check.max_abs_diff < 1e-7
    assert all(abs(g) > 1e-3 for g in check.hand), "a zero gradient would test nothing"


def test_bce_outside_unit_interval_is_flat_in_all_three():
    n = nrn.Neuron(activation="linear", loss="bce", bias=-2.0)
    assert nrn.forward(n).a < 0
    check = nrn.check_gradients(n)
    assert check.hand == check.autograd == (0.0, 0.0, 0.0, 0.0)
    assert max(abs(g) for g in check.numerical) < 1e-9


def test_step_moves_against_the_gradient_and_lowers_the_loss():
    n = nrn.Neuron(lr=0.5)
    after = nrn.step(n)
    grads = nrn.backward(n).dL_dw
    assert after.weights == pytest.approx(tuple(w - 0.5 * g for w, g in zip(n.weights, grads)))
    assert nrn.forward(after).loss < nrn.forward(n).loss
    traj = nrn.run_steps(n, 50)
    assert len(traj.losses) == 51 and traj.losses[-1] < traj.losses[0]
    assert traj.weights[1] == after.weights


def test_tutorial_rule_is_half_the_mse_step():
    rule = nrn.tutorial_rule(nrn.Neuron())
    assert rule.ratio == pytest.approx(2.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(weights=(1.0, 2.0)),
        dict(activation="swish"),
        dict(loss="hinge"),
        dict(bias=float("nan")),
        dict(loss="bce", target=2.0),
    ],
)
def test_bad_settings_are_one_sentence(kwargs):
    with pytest.raises(PlaygroundError):
        replace(nrn.Neuron(), **kwargs)
