"""The small classification numbers the pages report: the majority baseline and the gradient-norm ratio."""

import math
from collections import Counter

import numpy as np
import pytest
import torch

from playground.training.metrics import GRADIENT_FLOOR, gradient_norm_ratio, majority_baseline


def test_majority_baseline_is_the_most_common_classs_share():
    assert majority_baseline(torch.tensor([0, 1, 1, 2])) == 0.5
    assert majority_baseline(np.array(["cat", "dog", "dog", "dog"])) == 0.75
    assert majority_baseline([3]) == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_majority_baseline_matches_counting_by_hand(seed):
    rng = np.random.default_rng(seed)
    labels = torch.as_tensor(rng.integers(0, 7, size=int(rng.integers(1, 300))))
    counts = Counter(labels.tolist())
    assert majority_baseline(labels) == pytest.approx(max(counts.values()) / len(labels))
    # what the always-guess-the-commonest classifier scores, measured
    guess = torch.full_like(labels, counts.most_common(1)[0][0])
    assert majority_baseline(labels) == pytest.approx((guess == labels).float().mean().item())


def test_majority_baseline_needs_labels():
    with pytest.raises(ValueError):
        majority_baseline(torch.tensor([], dtype=torch.long))


def test_gradient_norm_ratio_is_first_over_last():
    assert gradient_norm_ratio([2.0, 1.0, 0.5]) == 4.0
    assert gradient_norm_ratio(torch.tensor([0.001, 0.1])) == pytest.approx(0.01)
    assert gradient_norm_ratio(np.array([3.0])) == 1.0


def test_gradient_norm_ratio_survives_a_vanished_or_missing_gradient():
    assert gradient_norm_ratio([1.0, 0.0]) == 1.0 / GRADIENT_FLOOR and math.isfinite(gradient_norm_ratio([1.0, 0.0]))
    assert gradient_norm_ratio([0.0, 0.0]) == 0.0
    assert math.isnan(gradient_norm_ratio([]))
