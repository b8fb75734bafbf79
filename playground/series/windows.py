"""From a series to training windows, without looking at the future.

The split is chronological (train, then validation, then test, never shuffled
across time). The target is the value itself or its log-return; the scaler is
fitted on the training part only. Window k reads ``lookback`` target values and
predicts the next ``horizon``; a window belongs to the part its predicted values
fall in, so no test value is inside any training window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from playground.errors import PlaygroundError
from playground.i18n import _
from playground.series.data import Series

TARGETS = ("price", "log-return")
SCALERS = ("standard", "minmax")
MIN_TRAIN_WINDOWS = 10


@dataclass(frozen=True)
class Scaler:
    kind: str
    shift: float  # mean or minimum
    scale: float  # standard deviation or range

    @classmethod
    def fit(cls, kind: str, values: np.ndarray) -> Scaler:
        if kind not in SCALERS:
            raise PlaygroundError(_("The scaler must be one of {scalers}.").format(scalers=", ".join(SCALERS)))
        if kind == "standard":
            shift, scale = float(values.mean()), float(values.std())
        else:
            shift, scale = float(values.min()), float(values.max() - values.min())
        return cls(kind, shift, scale if scale > 1e-12 else 1.0)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "shift": self.shift, "scale": self.scale}

    @classmethod
    def from_dict(cls, saved) -> Scaler:
        """The scaler ``as_dict`` wrote (into a model file); one PlaygroundError sentence if it is not readable."""
        try:
            kind, shift, scale = saved["kind"], float(saved["shift"]), float(saved["scale"])
        except (KeyError, TypeError, ValueError):
            raise PlaygroundError(_("This model file's scaler is not readable, so the model cannot be used.")) from None
        if kind not in SCALERS or not math.isfinite(shift) or not math.isfinite(scale) or scale <= 0:
            raise PlaygroundError(_("This model file's scaler is not readable, so the model cannot be used."))
        return cls(kind, shift, scale)

    def transform(self, x):
        return (x - self.shift) / self.scale

    def inverse(self, x):
        return x * self.scale + self.shift

    def formula(self) -> str:
        """The scaling as a formula with its numbers, and where they come from (in the current language)."""
        if self.kind == "standard":
            text = _("z = (x − {shift:.4g}) / {scale:.4g}   (training mean and standard deviation)")
        else:
            text = _("z = (x − {shift:.4g}) / {scale:.4g}   (training minimum and range)")
        return text.format(shift=self.shift, scale=self.scale)


def split_counts(n: int, test_split: float, val_split: float, test_points: int | None = None) -> tuple[int, int, int]:
    """(train, validation, test) numbers of values, in time order; validation is a share of what precedes the test."""
    if not 0 < test_split < 1 or not 0 <= val_split < 1:
        raise PlaygroundError(_("The test share must be between 0 and 1, and the validation share below 1."))
    n_test = test_points if test_points is not None else int(round(n * test_split))
    n_val = int(round((n - n_test) * val_split))
    return n - n_test - n_val, n_val, n_test


def to_target(values: np.ndarray, target: str) -> np.ndarray:
    """The modelled series z: the values, or log-returns z[j] = log(v[j+1] / v[j])."""
    if target == "price":
        return values.astype(np.float64)
    if target == "log-return":
        if (values <= 0).any():
            raise PlaygroundError(
                _("Log-returns need positive values; this series has zeros or negatives, so model the values.")
            )
        return np.diff(np.log(values))
    raise PlaygroundError(_("The target must be one of {targets}.").format(targets=", ".join(TARGETS)))


def to_values(z_hat: np.ndarray, last_value: np.ndarray, target: str) -> np.ndarray:
    """Predicted targets (N, H) after origins whose value is ``last_value`` (N,) → predicted values (N, H)."""
    if target == "price":
        return z_hat
    return last_value[:, None] * np.exp(np.cumsum(z_hat, axis=1))


@dataclass
class Windows:
    X: torch.Tensor  # (N, lookback, 1) scaled targets, float32
    y: torch.Tensor  # (N, horizon) scaled targets
    origins: np.ndarray  # (N,) index in the values of the last value the window reads

    def __len__(self) -> int:
        return len(self.origins)


@dataclass
class Prepared:
    series: Series
    target: str
    lookback: int
    horizon: int
    n_train: int
    n_val: int
    n_test: int
    scaler: Scaler
    z: np.ndarray  # the modelled series, unscaled
    offset: int  # z[j] belongs to values[j + offset]
    train: Windows
    val: Windows
    test: Windows

    @property
    def values(self) -> np.ndarray:
        return self.series.values

    def window_at(self, origin: int) -> np.ndarray:
        """The scaled lookback window ending at value index ``origin``: (lookback,)."""
        j = origin - self.offset + 1
        return self.scaler.transform(self.z[j - self.lookback : j])

    def actual(self, windows: Windows) -> np.ndarray:
        """The true values the windows forecast: (N, horizon)."""
        steps = windows.origins[:, None] + np.arange(1, self.horizon + 1)[None, :]
        return self.values[steps]


def make_windows(
    series: Series,
    lookback: int = 10,
    horizon: int = 1,
    target: str = "price",
    scaler: str = "standard",
    test_split: float = 0.2,
    val_split: float = 0.1,
    test_points: int | None = None,
    fitted: Scaler | None = None,
) -> Prepared:
    """Split ``series`` in time order and cut it into scaled windows (see the module's docstring).

    The scaler is fitted on the training part, unless ``fitted`` (a saved model's scaler) is given.
    """
    if not 1 <= lookback <= 1000 or not 1 <= horizon <= 365:
        raise PlaygroundError(_("The lookback must be 1–1000 steps and the horizon 1–365 steps."))
    n = len(series)
    n_train, n_val, n_test = split_counts(n, test_split, val_split, test_points)
    z = to_target(series.values, target)
    offset = n - len(z)
    need = lookback + offset + horizon + MIN_TRAIN_WINDOWS - 1
    if n_train < need or n_test < horizon:
        raise PlaygroundError(
            _(
                "The series has {n} points, too few for a lookback of {lookback} and a horizon of {horizon}: "
                "the training part ({n_train} points) needs at least {need} "
                "and the test part ({n_test}) at least {horizon}. "
                "Use a longer period, a shorter lookback or a smaller test share."
            ).format(n=n, lookback=lookback, horizon=horizon, n_train=n_train, need=need, n_test=n_test)
        )
    if fitted is None:
        fitted = Scaler.fit(scaler, z[: n_train - offset])  # training part only: no leakage from the future
    scaled = fitted.transform(z).astype(np.float32)

    # Window k reads z[k : k+lookback] and predicts z[k+lookback : k+lookback+horizon];
    # its first predicted value is values[k + lookback + offset].
    count = len(z) - lookback - horizon + 1
    first = np.arange(count) + lookback + offset  # value index of the first predicted value
    last = first + horizon - 1
    parts = []
    for low, high in ((0, n_train), (n_train, n_train + n_val), (n_train + n_val, n)):
        k = np.flatnonzero((first >= low) & (last < high))
        idx = k[:, None] + np.arange(lookback)[None, :]
        X = torch.from_numpy(scaled[idx]).unsqueeze(-1) if len(k) else torch.zeros(0, lookback, 1)
        tidx = k[:, None] + lookback + np.arange(horizon)[None, :]
        y = torch.from_numpy(scaled[tidx]) if len(k) else torch.zeros(0, horizon)
        parts.append(Windows(X, y, first[k] - 1))
    return Prepared(series, target, lookback, horizon, n_train, n_val, n_test, fitted, z, offset, *parts)
