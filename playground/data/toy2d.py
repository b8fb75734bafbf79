"""Two-class 2-D data sets in the spirit of TensorFlow Playground, and their input features.

Points lie roughly in [-6, 6]²; ``noise`` in [0, 1] blurs the classes. Chosen
features are computed from (x1, x2) and standardised with the training part's
mean and standard deviation only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from playground.errors import PlaygroundError
from playground.i18n import N_, _

DATASETS = ("circle", "xor", "gaussians", "spiral", "moons")
# name -> what the page calls it (translated with ``_`` where shown)
DATASET_LABELS = {
    "circle": N_("circle"),
    "xor": N_("xor"),
    "gaussians": N_("gaussians"),
    "spiral": N_("spiral"),
    "moons": N_("moons"),
}

# name -> (label for the page, function of x1 and x2)
FEATURES = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1^2": ("x₁²", lambda x1, x2: x1**2),
    "x2^2": ("x₂²", lambda x1, x2: x2**2),
    "x1x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin x₂", lambda x1, x2: np.sin(x2)),
}


def _circle(n, noise, rng):
    radius = 5.0
    r = np.concatenate([rng.uniform(0, 0.5 * radius, n // 2), rng.uniform(0.7 * radius, radius, n - n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    X += rng.uniform(-radius, radius, X.shape) * noise
    y = (np.hypot(X[:, 0], X[:, 1]) < 0.5 * radius).astype(np.int64)  # label after noise, as TF does
    return X, y


def _xor(n, noise, rng):
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # keep points off the axes
    y = (X[:, 0] * X[:, 1] >= 0).astype(np.int64)
    X += rng.uniform(-5, 5, X.shape) * noise
    return X, y


def _gaussians(n, noise, rng):
    half = n // 2
    spread = 0.5 + 3.5 * noise
    X = np.concatenate([rng.normal(2, spread, (half, 2)), rng.normal(-2, spread, (n - half, 2))])
    y = np.concatenate([np.ones(half, np.int64), np.zeros(n - half, np.int64)])
    return X, y


def _spiral(n, noise, rng):
    half = n // 2
    parts = []
    for label, delta, count in ((1, 0.0, half), (0, np.pi, n - half)):
        t = np.arange(count) / count
        r = 5 * t
        angle = 1.75 * t * 2 * np.pi + delta
        pts = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        pts += rng.uniform(-1, 1, pts.shape) * noise * 2
        parts.append((pts, np.full(count, label, np.int64)))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _moons(n, noise, rng):
    half = n // 2
    t1, t2 = rng.uniform(0, np.pi, half), rng.uniform(0, np.pi, n - half)
    upper = np.stack([np.cos(t1), np.sin(t1)], axis=1)
    lower = np.stack([1 - np.cos(t2), 0.5 - np.sin(t2)], axis=1)
    X = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.5
    X += rng.normal(0, 1, X.shape) * noise * 2
    y = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    return X, y


_GENERATORS = {
    "circle": _circle,
    "xor": _xor,
    "gaussians": _gaussians,
    "spiral": _spiral,
    "moons": _moons,
}


def make_points(name: str, n: int = 400, noise: float = 0.1, seed: int = 0):
    """(X, y): X is (n, 2) float64 points, y is (n,) int64 labels in {0, 1}."""
    if name not in _GENERATORS:
        raise PlaygroundError(
            _("Unknown data set '{name}'; choose one of {options}.").format(name=name, options=", ".join(DATASETS))
        )
    if not 20 <= n <= 100_000:
        raise PlaygroundError(_("The number of points must be between 20 and 100,000."))
    if not 0 <= noise <= 1:
        raise PlaygroundError(_("Noise must be between 0 and 1."))
    return _GENERATORS[name](n, noise, np.random.default_rng(seed))


def featurize(X: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """(N, 2) points -> (N, len(features)) raw feature values."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features:
        raise PlaygroundError(_("Choose at least one input feature from the list."))
    return np.stack([FEATURES[f][1](X[:, 0], X[:, 1]) for f in features], axis=1)


@dataclass
class Toy2D:
    """A generated set split into train and test, with features ready for a network."""

    points_train: np.ndarray  # (N, 2) raw coordinates, for plotting
    points_test: np.ndarray
    X_train: torch.Tensor  # (N, F) float32, standardised features
    y_train: torch.Tensor  # (N,) int64
    X_test: torch.Tensor
    y_test: torch.Tensor
    features: tuple[str, ...]
    mean: np.ndarray  # (F,) from the training part
    std: np.ndarray

    def transform(self, points: np.ndarray) -> torch.Tensor:
        """Raw (M, 2) points -> the network's (M, F) input, with the training statistics."""
        return torch.as_tensor((featurize(points, self.features) - self.mean) / self.std, dtype=torch.float32)


def make_toy2d(
    name: str,
    n: int = 400,
    noise: float = 0.1,
    test_ratio: float = 0.5,
    features: tuple[str, ...] = ("x1", "x2"),
    seed: int = 0,
) -> Toy2D:
    """Generate ``name``, shuffle, split off ``test_ratio`` for testing and featurise."""
    if not 0.1 <= test_ratio <= 0.9:
        raise PlaygroundError(_("The test share must be between 10% and 90%."))
    features = tuple(features)
    X, y = make_points(name, n, noise, seed)
    order = np.random.default_rng(seed + 1).permutation(len(X))
    X, y = X[order], y[order]
    n_test = int(round(len(X) * test_ratio))
    P_train, P_test, y_train, y_test = X[n_test:], X[:n_test], y[n_test:], y[:n_test]
    F_train = featurize(P_train, features)
    mean, std = F_train.mean(axis=0), F_train.std(axis=0) + 1e-8
    data = Toy2D(P_train, P_test, None, torch.as_tensor(y_train), None, torch.as_tensor(y_test), features, mean, std)
    data.X_train, data.X_test = data.transform(P_train), data.transform(P_test)
    return data
