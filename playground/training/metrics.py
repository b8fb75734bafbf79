"""Small numbers the pages report beside a trained classifier: what guessing would score, how gradients fade."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

GRADIENT_FLOOR = 1e-12  # a last layer whose gradient vanished entirely still gives a finite ratio


def majority_baseline(y: torch.Tensor | np.ndarray | Sequence) -> float:
    """The accuracy of always answering the most common class: its share of the labels ``y`` (N,).

    A classifier is only useful above this; on a set with 90% of one class, 90% accuracy is nothing.
    """
    labels = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if labels.size == 0:
        raise ValueError("majority_baseline needs at least one label")
    _, counts = np.unique(labels.ravel(), return_counts=True)
    return float(counts.max() / counts.sum())


def gradient_norm_ratio(norms: torch.Tensor | np.ndarray | Sequence[float]) -> float:
    """The first layer's gradient norm over the last one's, from per-layer norms in order (input side first).

    Near 1, every layer learns at a similar speed; far below 1, the gradient vanishes on its way back
    to the input. The last norm is floored at ``GRADIENT_FLOOR``; NaN when there are no norms
    (a run stopped before its first batch).
    """
    values = norms.detach().cpu().numpy() if isinstance(norms, torch.Tensor) else np.asarray(norms, dtype=float)
    if values.size == 0:
        return float("nan")
    return float(values.flat[0] / max(float(values.flat[-1]), GRADIENT_FLOOR))
