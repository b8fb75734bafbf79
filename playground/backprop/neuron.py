"""One neuron, a = f(w·x + b), with its loss and gradients computed three ways.

The hand-derived gradients follow the chain rule factor by factor
(∂L/∂wᵢ = ∂L/∂a · ∂a/∂z · ∂z/∂wᵢ) in NumPy; ``autograd_gradients`` asks torch;
``numerical_gradients`` uses central finite differences. They must agree.
Binary cross-entropy clips a to [1e-7, 1 − 1e-7] as Keras does, so its
gradient is zero where a activation puts a outside (0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from playground.errors import PlaygroundError
from playground.i18n import _

EPS = 1e-7  # Keras' epsilon for binary cross-entropy


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# name -> (f(z), f'(z), LaTeX of f, LaTeX of f')
ACTIVATIONS = {
    "sigmoid": (
        _sigmoid,
        lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
        r"\sigma(z)=\frac{1}{1+e^{-z}}",
        r"\sigma(z)\,(1-\sigma(z))",
    ),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2, r"\tanh z", r"1-\tanh^2 z"),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: float(z > 0), r"\max(0, z)", r"[z>0]"),
    "linear": (lambda z: z, lambda z: 1.0, r"z", r"1"),
}

_TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "linear": lambda z: z,
}


def _bce(a, y):
    c = np.clip(a, EPS, 1 - EPS)
    return -(y * np.log(c) + (1 - y) * np.log(1 - c))


def _bce_grad(a, y):
    if not EPS < a < 1 - EPS:
        return 0.0  # the clip is flat there
    return -y / a + (1 - y) / (1 - a)


# name -> (L(a, y), ∂L/∂a, LaTeX of L, LaTeX of ∂L/∂a)
LOSSES = {
    "mse": (lambda a, y: (y - a) ** 2, lambda a, y: -2 * (y - a), r"(y-a)^2", r"-2\,(y-a)"),
    "bce": (_bce, _bce_grad, r"-\left[y\log a+(1-y)\log(1-a)\right]", r"-\frac{y}{a}+\frac{1-y}{1-a}"),
}


@dataclass(frozen=True)
class Neuron:
    """The one-neuron example; defaults are the course's."""

    inputs: tuple[float, ...] = (0.5, -0.2, 0.1)
    weights: tuple[float, ...] = (0.2, 0.8, -0.5)
    bias: float = 0.1
    target: float = 1.0
    activation: str = "sigmoid"
    loss: str = "mse"
    lr: float = 0.01

    def __post_init__(self):
        if len(self.inputs) != len(self.weights) or not self.inputs:
            raise PlaygroundError(_("Give one weight for every input (at least one input)."))
        if self.activation not in ACTIVATIONS:
            raise PlaygroundError(
                _("Unknown activation '{activation}'; choose one of {choices}.").format(
                    activation=self.activation, choices=", ".join(ACTIVATIONS)
                )
            )
        if self.loss not in LOSSES:
            raise PlaygroundError(
                _("Unknown loss '{name}'; choose one of {options}.").format(name=self.loss, options=", ".join(LOSSES))
            )
        values = (*self.inputs, *self.weights, self.bias, self.target, self.lr)
        if not all(np.isfinite(v) for v in values):
            raise PlaygroundError(_("Every number must be finite."))
        if self.loss == "bce" and not 0 <= self.target <= 1:
            raise PlaygroundError(_("Binary cross-entropy needs a target between 0 and 1."))


@dataclass(frozen=True)
class Forward:
    products: tuple[float, ...]  # wᵢ·xᵢ
    z: float
    a: float
    loss: float


@dataclass(frozen=True)
class Backward:
    dL_da: float
    da_dz: float
    dL_dz: float
    dz_dw: tuple[float, ...]  # = x
    dL_dw: tuple[float, ...]
    dL_db: float


def forward(n: Neuron) -> Forward:
    x, w = np.asarray(n.inputs, float), np.asarray(n.weights, float)
    products = x * w
    z = float(products.sum() + n.bias)
    a = float(ACTIVATIONS[n.activation][0](z))
    loss = float(LOSSES[n.loss][0](a, n.target))
    return Forward(tuple(float(p) for p in products), z, a, loss)


def backward(n: Neuron, fwd: Forward | None = None) -> Backward:
    """The chain rule by hand, one factor at a time."""
    fwd = fwd or forward(n)
    dL_da = float(LOSSES[n.loss][1](fwd.a, n.target))
    da_dz = float(ACTIVATIONS[n.activation][1](fwd.z))
    dL_dz = dL_da * da_dz
    dz_dw = tuple(float(x) for x in n.inputs)
    return Backward(dL_da, da_dz, dL_dz, dz_dw, tuple(dL_dz * x for x in dz_dw), dL_dz * 1.0)


def _torch_loss(n: Neuron, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    x = torch.tensor(n.inputs, dtype=torch.float64)
    a = _TORCH_ACTIVATIONS[n.activation](w @ x + b)
    y = torch.tensor(n.target, dtype=torch.float64)
    if n.loss == "mse":
        return (y - a) ** 2
    c = a.clamp(EPS, 1 - EPS)
    return -(y * c.log() + (1 - y) * (1 - c).log())


def autograd_gradients(n: Neuron) -> tuple[tuple[float, ...], float]:
    """(∂L/∂w, ∂L/∂b) from torch.autograd, in float64."""
    w = torch.tensor(n.weights, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(n.bias, dtype=torch.float64, requires_grad=True)
    _torch_loss(n, w, b).backward()
    return tuple(w.grad.tolist()), float(b.grad)


def numerical_gradients(n: Neuron, h: float = 1e-6) -> tuple[tuple[float, ...], float]:
    """(∂L/∂w, ∂L/∂b) by central differences: (L(θ+h) − L(θ−h)) / 2h."""

    def loss_at(weights, bias):
        return forward(replace(n, weights=tuple(weights), bias=bias)).loss

    dw = []
    for i in range(len(n.weights)):
        up, down = list(n.weights), list(n.weights)
        up[i] += h
        down[i] -= h
        dw.append((loss_at(up, n.bias) - loss_at(down, n.bias)) / (2 * h))
    db = (loss_at(n.weights, n.bias + h) - loss_at(n.weights, n.bias - h)) / (2 * h)
    return tuple(dw), db


@dataclass(frozen=True)
class GradientCheck:
    hand: tuple[float, ...]  # (∂L/∂w₁, ..., ∂L/∂b)
    autograd: tuple[float, ...]
    numerical: tuple[float, ...]
    max_abs_diff: float


def check_gradients(n: Neuron) -> GradientCheck:
    """The three gradients side by side and the largest absolute difference between them."""
    bwd = backward(n)
    hand = (*bwd.dL_dw, bwd.dL_db)
    dw, db = autograd_gradients(n)
    auto = (*dw, db)
    dw, db = numerical_gradients(n)
    num = (*dw, db)
    diffs = np.abs(np.array([hand, auto, num])[:, None, :] - np.array([hand, auto, num])[None, :, :])
    return GradientCheck(hand, auto, num, float(diffs.max()))


# How Step updates the neuron: "loss" descends the neuron's own loss (MSE by default, what the course's
# text names); "course" is the course's code, which descends ½(y − a)² whatever the loss.
UPDATE_RULES = ("loss", "course")


def course_step(n: Neuron) -> Neuron:
    """The course's update: wᵢ ← wᵢ + lr · xᵢ · (y − a) · f'(z), b ← b + lr · (y − a) · f'(z).

    That is θ ← θ − lr · ∂½(y − a)²/∂θ: gradient descent on half the squared error.
    """
    fwd = forward(n)
    delta = (n.target - fwd.a) * float(ACTIVATIONS[n.activation][1](fwd.z))  # −∂½(y−a)²/∂z
    weights = tuple(w + n.lr * x * delta for w, x in zip(n.weights, n.inputs))
    return replace(n, weights=weights, bias=n.bias + n.lr * delta)


def step(n: Neuron, rule: str = "loss") -> Neuron:
    """One gradient-descent update: θ ← θ − lr · ∂L/∂θ (``rule="course"``: the course's code, see ``course_step``)."""
    if rule not in UPDATE_RULES:
        raise PlaygroundError(
            _("Unknown update rule '{name}'; choose one of {options}.").format(
                name=rule, options=", ".join(UPDATE_RULES)
            )
        )
    if rule == "course":
        return course_step(n)
    bwd = backward(n)
    weights = tuple(w - n.lr * g for w, g in zip(n.weights, bwd.dL_dw))
    return replace(n, weights=weights, bias=n.bias - n.lr * bwd.dL_db)


@dataclass(frozen=True)
class RuleComparison:
    """One step by each update rule from the same neuron; losses are the neuron's own loss."""

    loss_before: float
    after: dict[str, Neuron]  # rule -> the neuron after one step by it
    loss_after: dict[str, float]  # rule -> its loss after that step
    ratio: float  # the "loss" rule's step / the course's step (2 for MSE; nan when the course's step is zero)


def compare_rules(n: Neuron) -> RuleComparison:
    """Both rules' next weights, bias and loss, and how much larger the loss rule's step is."""
    after = {rule: step(n, rule) for rule in UPDATE_RULES}
    moved = {rule: np.array([*a.weights, a.bias]) - np.array([*n.weights, n.bias]) for rule, a in after.items()}
    nonzero = np.abs(moved["course"]) > 1e-15
    ratio = float(np.mean(moved["loss"][nonzero] / moved["course"][nonzero])) if nonzero.any() else float("nan")
    return RuleComparison(forward(n).loss, after, {rule: forward(a).loss for rule, a in after.items()}, ratio)


@dataclass(frozen=True)
class Trajectory:
    losses: tuple[float, ...]  # before each step, then after the last (steps + 1 values)
    weights: tuple[tuple[float, ...], ...]
    biases: tuple[float, ...]
    final: Neuron


def run_steps(n: Neuron, steps: int, rule: str = "loss") -> Trajectory:
    """Apply ``steps`` updates by ``rule`` (see ``step``), recording the loss and parameters before each and at
    the end."""
    if not 0 <= steps <= 100_000:
        raise PlaygroundError(_("The number of steps must be between 0 and 100,000."))
    losses, weights, biases = [], [], []
    for _step in range(steps + 1):
        losses.append(forward(n).loss)
        weights.append(n.weights)
        biases.append(n.bias)
        if len(losses) <= steps:
            n = step(n, rule)
    return Trajectory(tuple(losses), tuple(weights), tuple(biases), n)


@dataclass(frozen=True)
class TutorialRule:
    """``weights += lr * dot(x, error * f'(z))`` compared with our MSE step."""

    tutorial_weights: tuple[float, ...]
    mse_weights: tuple[float, ...]
    ratio: float  # our step / the tutorial's step: 2 for one sample (MSE's factor 2)


def tutorial_rule(n: Neuron) -> TutorialRule:
    """The update rule many tutorials use is gradient descent on ½(y − a)².

    MSE, (y − a)², has twice that gradient, so its step is twice as large; a
    mean over N samples divides it by N again.
    """
    tutorial = course_step(n).weights
    ours = step(replace(n, loss="mse")).weights
    step_t = np.array(tutorial) - np.array(n.weights)
    step_o = np.array(ours) - np.array(n.weights)
    nonzero = np.abs(step_t) > 1e-15
    ratio = float(np.mean(step_o[nonzero] / step_t[nonzero])) if nonzero.any() else float("nan")
    return TutorialRule(tutorial, ours, ratio)
