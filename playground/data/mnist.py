"""The bundled MNIST subset, read from its IDX files into tensors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

BUNDLED = Path(__file__).resolve().parent / "bundled"


def _read_idx(path: Path, header: int) -> np.ndarray:
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def load_mnist(root: Path = BUNDLED / "mnist") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(X_train, y_train, X_test, y_test): X is (N, 1, 28, 28) uint8, y is (N,) int64."""
    parts = []
    for split in ("train", "t10k"):
        X = _read_idx(root / f"{split}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
        y = _read_idx(root / f"{split}-labels-idx1-ubyte.gz", 8).astype(np.int64)
        parts += [torch.from_numpy(X.copy()), torch.from_numpy(y)]
    return tuple(parts)
