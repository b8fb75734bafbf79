"""Forecast errors on the original scale of the series."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    mae: float
    rmse: float
    mape: float | None  # percent; None when values come near zero (then read sMAPE)
    smape: float  # percent, symmetric: 200·|e| / (|y| + |ŷ|)
    direction: float | None  # share of steps whose predicted move from the last known value has the true sign

    def as_dict(self) -> dict:
        return asdict(self)


def near_zero(y: np.ndarray) -> bool:
    """Whether MAPE would mislead: some true values are tiny next to the typical one."""
    magnitude = np.abs(y)
    return bool(magnitude.min() < 0.05 * max(magnitude.mean(), 1e-12))


def mae(y, y_hat) -> float:
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(y_hat))))


def rmse(y, y_hat) -> float:
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2)))


def mape(y, y_hat) -> float:
    y, y_hat = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    return float(100 * np.mean(np.abs(y - y_hat) / np.abs(y)))


def smape(y, y_hat) -> float:
    y, y_hat = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    denominator = np.abs(y) + np.abs(y_hat)
    ratio = np.divide(2 * np.abs(y - y_hat), denominator, out=np.zeros_like(y), where=denominator > 0)
    return float(100 * np.mean(ratio))


def direction_accuracy(last, y, y_hat) -> float | None:
    """Among steps where both the series and the forecast move, how often they move the same way."""
    last = np.asarray(last, dtype=float).reshape(-1, 1)
    true_move = np.sign(np.asarray(y, dtype=float).reshape(len(last), -1) - last)
    predicted_move = np.sign(np.asarray(y_hat, dtype=float).reshape(len(last), -1) - last)
    counted = (true_move != 0) & (predicted_move != 0)
    if not counted.any():
        return None  # a flat forecast (naive, moving average) predicts no direction
    return float((true_move == predicted_move)[counted].mean())


def score(y: np.ndarray, y_hat: np.ndarray, last: np.ndarray) -> Scores:
    """All errors of forecasts ``y_hat`` (N, H) for truths ``y`` (N, H) made after last known values ``last`` (N,)."""
    y, y_hat = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    return Scores(
        mae=mae(y, y_hat),
        rmse=rmse(y, y_hat),
        mape=None if near_zero(y) else mape(y, y_hat),
        smape=smape(y, y_hat),
        direction=direction_accuracy(last, y, y_hat),
    )
