"""A small network learning 2-D data: settings, training, decision boundary, gradient norms."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from playground.data.toy2d import DATASETS, Toy2D, make_toy2d
from playground.errors import PlaygroundError
from playground.i18n import _
from playground.models import create_model
from playground.models.mlp import ACTIVATIONS
from playground.models.registry import architecture_of
from playground.share import SEED_MAX, bounded, from_saved, one_of
from playground.training import Callback, History, TensorData, TrainConfig, fit, seed_everything
from playground.training.engine import BatchEvent, EpochStats

CLASSES = ("0", "1")  # every toy set has two classes


@dataclass(frozen=True)
class NetworkConfig:
    """Everything the 2-D network section of the page lets a user set."""

    dataset: str = one_of("circle", DATASETS)
    n_points: int = one_of(400, (100, 200, 400, 800, 1600))
    noise: float = bounded(0.1, 0.0, 0.5)
    test_ratio: float = bounded(0.5, 0.1, 0.9)
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = bounded((8, 8), 1, 256, max_items=8)
    activation: str = one_of("tanh", tuple(ACTIVATIONS))
    optimizer: str = one_of("adam", ("sgd", "momentum", "adam"))  # the page's three
    lr: float = bounded(0.03, 0.00001, 10.0)
    batch_size: int = one_of(32, (1, 4, 8, 16, 32, 64, 128))
    l1: float = bounded(0.0, 0.0, 0.1)
    l2: float = bounded(0.0, 0.0, 0.1)
    epochs: int = bounded(300, 1, 5000)
    seed: int = bounded(0, 0, SEED_MAX)
    device: str | None = None

    def train_config(self, epochs: int | None = None) -> TrainConfig:
        return TrainConfig(
            epochs=epochs or self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            weight_decay=self.l2,
            l1=self.l1,
            loss="cross_entropy",
            seed=self.seed,
            device=self.device,
        )


def build(config: NetworkConfig) -> tuple[nn.Module, Toy2D]:
    """The seeded data set and a freshly initialised network for it."""
    if len(config.hidden) > 8 or any(h > 256 for h in config.hidden):
        raise PlaygroundError(_("Use at most 8 hidden layers of at most 256 neurons."))
    data = make_toy2d(config.dataset, config.n_points, config.noise, config.test_ratio, config.features, config.seed)
    seed_everything(config.seed)
    return create_model("mlp", **_model_kwargs(config)), data


def _model_kwargs(config: NetworkConfig) -> dict:
    """The ``mlp`` constructor arguments for ``config``: two classes, one input per feature."""
    return {
        "in_features": len(config.features),
        "hidden": tuple(config.hidden),
        "num_classes": len(CLASSES),
        "activation": config.activation,
    }


class GradNormRecorder(Callback):
    """Mean gradient norm of each Linear layer's weights per epoch (input layer first)."""

    def __init__(self):
        self.per_epoch: list[list[float]] = []
        self._sums: torch.Tensor | None = None
        self._count = 0

    def on_batch_end(self, model: nn.Module, event: BatchEvent) -> None:
        norms = torch.stack([m.weight.grad.norm() for m in model.linear_layers()])
        self._sums = norms if self._sums is None else self._sums + norms
        self._count += 1

    def on_epoch_end(self, model: nn.Module, stats: EpochStats, history: History) -> None:
        if self._count:
            self.per_epoch.append((self._sums / self._count).tolist())
        self._sums, self._count = None, 0


def train(
    model: nn.Module,
    data: Toy2D,
    config: NetworkConfig,
    epochs: int | None = None,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
) -> History:
    """Train on the training part; the test part is the validation curve, as in TF Playground."""
    tensors = TensorData(data.X_train, data.y_train, data.X_test, data.y_test)
    return fit(model, tensors, config.train_config(epochs), callbacks, stop)


@torch.no_grad()
def decision_grid(model: nn.Module, data: Toy2D, resolution: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, p): p[i, j] is the probability of class 1 at (xs[j], ys[i])."""
    points = np.concatenate([data.points_train, data.points_test])
    lo, hi = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    p = torch.softmax(model(data.transform(grid).to(device)).float(), dim=1)[:, 1]
    model.train(was_training)
    return xs, ys, p.cpu().numpy().reshape(resolution, resolution)


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    correct = (model(X.to(device)).argmax(dim=1).cpu() == y).float().mean().item()
    model.train(was_training)
    return correct


class LiveView(Callback):
    """Publishes the decision boundary and gradient norms while a job trains (at most every ``every_s``)."""

    def __init__(self, data: Toy2D, publish, grad_norms: GradNormRecorder, every_s: float = 0.3):
        self.data, self.publish, self.grad_norms, self.every_s = data, publish, grad_norms, every_s
        self._last = 0.0

    def _send(self, model: nn.Module) -> None:
        self.publish("grid", decision_grid(model, self.data))
        self.publish("grad_norms", list(self.grad_norms.per_epoch))
        self._last = time.perf_counter()

    def on_epoch_end(self, model: nn.Module, stats: EpochStats, history: History) -> None:
        if time.perf_counter() - self._last >= self.every_s:
            self._send(model)

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        self._send(model)


# ---- model files -------------------------------------------------------------------------------

MODEL_SETTINGS = ("dataset", "features", "hidden", "activation")


def model_meta(config: NetworkConfig, data: Toy2D) -> dict:
    """What an MLP model file holds beside the weights, as plain values: the settings it was trained with
    and the training part's feature statistics. ``config_from_meta`` reads it back."""
    return {
        "config": asdict(config),
        "features": list(data.features),
        "mean": data.mean.tolist(),
        "std": data.std.tolist(),
        "classes": list(CLASSES),
    }


def config_from_meta(meta: dict, model: nn.Module | None = None) -> NetworkConfig:
    """The settings an MLP model file was trained with, as ``model_meta`` wrote them.

    With ``model``, also checks that they describe that network. One PlaygroundError sentence when
    the file does not say how it was trained, a setting is not readable, or they do not match.
    """
    saved = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(saved, dict) or not set(MODEL_SETTINGS) <= set(saved):
        raise PlaygroundError(_("This model file does not say which data and settings it was trained with."))
    config = from_saved(NetworkConfig, saved)
    if model is not None:
        try:
            name, kwargs = architecture_of(model)
            matches = name == "mlp" and {**kwargs, "hidden": tuple(kwargs.get("hidden", ()))} == _model_kwargs(config)
        except PlaygroundError:
            matches = False
        if not matches:
            raise PlaygroundError(_("This model file's settings do not match its network."))
    return config
