"""The training engine, the job runner for the browser, and seeding."""

from playground.training.engine import (
    BatchEvent,
    Callback,
    EpochStats,
    History,
    TensorData,
    TrainConfig,
    evaluate,
    fit,
)
from playground.training.seed import seed_everything

__all__ = [
    "BatchEvent",
    "Callback",
    "EpochStats",
    "History",
    "TensorData",
    "TrainConfig",
    "evaluate",
    "fit",
    "seed_everything",
]
