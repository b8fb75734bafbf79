"""A network trained on 2-D data a few epochs at a time: what the page keeps between Train presses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from playground.backprop.network import GradNormRecorder, LiveView, NetworkConfig, build, decision_grid, train
from playground.data.toy2d import Toy2D
from playground.training.engine import EpochStats

Grid = tuple[np.ndarray, np.ndarray, np.ndarray]


def structure(config: NetworkConfig) -> tuple:
    """The settings that change the data or the network: changing one starts afresh."""
    c = config
    return (c.dataset, c.n_points, c.noise, c.test_ratio, c.features, c.hidden, c.activation, c.seed)


@dataclass
class NetworkRun:
    """The model, its data, and every epoch it has trained, numbered across runs."""

    structure: tuple
    model: nn.Module
    data: Toy2D
    grid: Grid
    rows: list[EpochStats] = field(default_factory=list)
    grad_norms: list[list[float]] = field(default_factory=list)  # per epoch, one mean norm per layer

    @classmethod
    def fresh(cls, config: NetworkConfig) -> NetworkRun:
        """A freshly initialised network on the seeded data set."""
        model, data = build(config)
        return cls(structure(config), model, data, decision_grid(model, data))

    def matches(self, config: NetworkConfig) -> bool:
        return self.structure == structure(config)

    def with_epochs(self, rows: list[EpochStats], grad_norms: list[list[float]]) -> tuple[list, list]:
        """This run's history followed by ``rows`` (numbered on from its last epoch) and their norms."""
        offset = len(self.rows)
        return self.rows + [dataclasses.replace(r, epoch=r.epoch + offset) for r in rows], self.grad_norms + grad_norms

    def add(self, rows: list[EpochStats], grad_norms: list[list[float]], grid: Grid | None = None) -> None:
        """Append a finished training's epochs; ``grid`` is its decision boundary (recomputed when None)."""
        self.rows, self.grad_norms = self.with_epochs(rows, grad_norms)
        self.grid = grid if grid is not None else decision_grid(self.model, self.data)

    def target(self, config: NetworkConfig, epochs: int):
        """A job target that trains ``epochs`` more epochs, publishing the boundary and norms as it goes."""
        model, data = self.model, self.data

        def run(ctx):
            norms = GradNormRecorder()
            return train(model, data, config, epochs, [ctx, norms, LiveView(data, ctx.publish, norms)], ctx.stop)

        return run

    def step(self, config: NetworkConfig) -> None:
        """Train one epoch here and now."""
        norms = GradNormRecorder()
        history = train(self.model, self.data, config, 1, [norms])
        self.add(history.epochs, norms.per_epoch)

    def adopt(self, model: nn.Module) -> None:
        """Continue from a loaded model (built for this run's data): its weights, a history that starts again."""
        self.model, self.rows, self.grad_norms = model, [], []
        self.grid = decision_grid(model, self.data)
