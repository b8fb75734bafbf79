"""The training loss batch by batch as a run goes: smoothed, placed on an x-axis in epochs, bounded in size.

Even a one-epoch run draws a curve: ``LossCurve`` turns the batch losses into points at
``x = epoch − 1 + batch / batches``, each with the exponential moving average of every batch loss so
far (debiased, as TensorBoard smooths). A long run keeps at most ``MAX_POINTS`` points: each point then
stands for a block of consecutive batches (their mean loss), while the average still sees every batch.
The engine records the points of each epoch in its ``EpochStats``; a job records them live, batch by batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import torch

if TYPE_CHECKING:
    from playground.training.engine import BatchEvent, EpochStats

MAX_POINTS = 2000  # per training run (one ``fit``)


class BatchPoint(NamedTuple):
    """One point of the batch curve, inside its epoch."""

    at: float  # fraction of the epoch done after this point's last batch, in (0, 1]
    loss: float  # mean training loss of the batches the point stands for
    smoothed: float  # exponential moving average of every batch loss up to here


def smoothing_span(total_batches: int) -> int:
    """How many batches the moving average spans: about 4% of the run, 3 to 50."""
    return min(50, max(3, total_batches // 25))


class LossCurve:
    """Collects a run's batch losses into at most about ``max_points`` smoothed points.

    ``batches`` is the number of batches per epoch, ``epochs`` the epochs planned. ``add`` takes the
    losses of consecutive batches (as floats, read from the device in one go) and returns the points they
    completed, each with its epoch; ``close`` ends a block early (when a run stops).
    """

    def __init__(self, batches: int, epochs: int, max_points: int = MAX_POINTS):
        self.batches = max(1, batches)
        total = self.batches * max(1, epochs)
        self.block = max(1, math.ceil(total / max_points))  # batches per point
        self.weight = 1 - 2 / (smoothing_span(total) + 1)
        self._average = 0.0
        self._seen = 0  # batches averaged so far, for the debiasing
        self._sum, self._count = 0.0, 0  # the open block
        self._last = (1, 0)  # (epoch, batch) of the latest batch

    def add(self, epoch: int, first_batch: int, losses: Sequence[float]) -> list[tuple[int, BatchPoint]]:
        """Feed the losses of batches ``first_batch``, ``first_batch + 1``… of ``epoch`` (1-based)."""
        points = []
        for offset, loss in enumerate(losses):
            self._seen += 1
            self._average = self.weight * self._average + (1 - self.weight) * loss
            self._sum += loss
            self._count += 1
            self._last = (epoch, first_batch + offset)
            if self._count == self.block:
                points.append(self._point())
        return points

    def close(self) -> list[tuple[int, BatchPoint]]:
        """The open block as a point, if any batch is in it."""
        return [self._point()] if self._count else []

    def _point(self) -> tuple[int, BatchPoint]:
        epoch, batch = self._last
        smoothed = self._average / (1 - self.weight**self._seen)
        point = BatchPoint(batch / self.batches, self._sum / self._count, smoothed)
        self._sum, self._count = 0.0, 0
        return epoch, point


class PendingLosses:
    """Batch losses left on the device and read back in one host sync now and then, not once per batch."""

    def __init__(self):
        self._losses: list[torch.Tensor] = []
        self._start = (1, 1)  # (epoch, batch) of the first pending loss

    def add(self, event: BatchEvent) -> None:
        if event.loss is None:  # a worker process already read them (training/workers.py)
            return
        if not self._losses:
            self._start = (event.epoch, event.batch)
        self._losses.append(event.loss)

    def take(self) -> tuple[int, int, list[float]] | None:
        """(epoch, first batch, losses) of everything pending, or None; empties the list."""
        if not self._losses:
            return None
        values = torch.stack(self._losses).float().tolist()
        self._losses = []
        return (*self._start, values)


@dataclass(frozen=True)
class RunCurve:
    """What a figure needs of one training run: its batch curve (x in epochs) and its epoch rows."""

    label: str  # what the run is called (a model's name); "" for a page's only run
    epochs: int  # planned
    x: tuple[float, ...]
    loss: tuple[float, ...]
    smoothed: tuple[float, ...]
    rows: tuple[EpochStats, ...]

    @classmethod
    def from_rows(cls, rows: Sequence[EpochStats], label: str = "", epochs: int = 0) -> RunCurve:
        """A finished run's curve from its rows (each keeps its epoch's points)."""
        points = [(r.epoch - 1 + p.at, p.loss, p.smoothed) for r in rows for p in r.curve]
        x, loss, smoothed = (tuple(v) for v in zip(*points, strict=True)) if points else ((), (), ())
        return cls(label, max(epochs, len(rows)), x, loss, smoothed, tuple(rows))


class LiveCurve:
    """A run's curve while it trains (a job keeps one per ``fit``): appended to, read as a ``RunCurve``."""

    def __init__(self, label: str, batches: int, epochs: int):
        self.label, self.epochs = label, epochs
        self.losses = LossCurve(batches, epochs)
        self.x: list[float] = []
        self.loss: list[float] = []
        self.smoothed: list[float] = []
        self.rows: tuple[EpochStats, ...] = ()

    def extend(self, points: list[tuple[int, BatchPoint]]) -> None:
        for epoch, p in points:
            self.x.append(epoch - 1 + p.at)
            self.loss.append(p.loss)
            self.smoothed.append(p.smoothed)

    def add(self, epoch: int, first_batch: int, losses: Sequence[float]) -> None:
        self.extend(self.losses.add(epoch, first_batch, losses))

    def close(self) -> None:
        self.extend(self.losses.close())

    def frozen(self) -> RunCurve:
        return RunCurve(self.label, self.epochs, tuple(self.x), tuple(self.loss), tuple(self.smoothed), self.rows)
