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


def test_both_update_rules_side_by_side_and_the_course_step_is_half():
    n = nrn.Neuron()
    comparison = nrn.compare_rules(n)
    a = nrn.forward(n).a
    delta = (n.target - a) * a * (1 - a)  # the course's code: w += lr · x · (y − a) · a(1 − a)
    course = comparison.after["course"]
    assert course.weights == pytest.approx(tuple(w + n.lr * x * delta for w, x in zip(n.weights, n.inputs)))
    assert course.bias == pytest.approx(n.bias + n.lr * delta)
    assert comparison.after["loss"] == nrn.step(n) == nrn.step(n, "loss")  # the default stays the MSE rule
    assert nrn.step(n, "course") == course
    assert comparison.ratio == pytest.approx(2.0)  # MSE (y − a)² has twice the gradient of ½(y − a)²
    mse_move = nrn.step(n).weights[0] - n.weights[0]
    assert mse_move == pytest.approx(2 * (course.weights[0] - n.weights[0]))
    assert comparison.loss_after["loss"] < comparison.loss_after["course"] < comparison.loss_before
    assert comparison.loss_after["course"] == pytest.approx(nrn.forward(course).loss)
    traj = nrn.run_steps(n, 3, rule="course")
    assert traj.weights[1] == course.weights
    with pytest.raises(PlaygroundError, match="update rule"):
        nrn.step(n, "half")


def test_page_steps_by_the_chosen_rule_and_shows_both(open_page):
    at = open_page("backprop")
    assert at.radio(key="backprop.rule").value == "loss"
    assert any("2 times as large" in c.value for c in at.caption)
    (table,) = [d.value for d in at.dataframe if "the course's code: ½(y−a)²" in d.value.columns]
    assert table.loc["w1", "MSE gradient (what the text names)"] == pytest.approx(nrn.step(nrn.Neuron()).weights[0])
    at.radio(key="backprop.rule").set_value("course").run()
    at.button(key="backprop.step").click().run()
    assert not at.exception
    a = nrn.forward(nrn.Neuron()).a
    assert at.number_input(key="backprop.w0").value == pytest.approx(0.2 + 0.01 * 0.5 * (1 - a) * a * (1 - a))
