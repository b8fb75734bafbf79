"""One seed for Python, NumPy and torch, so a run can be repeated exactly."""

import random

import numpy as np
import torch


def seed_everything(seed: int) -> torch.Generator:
    """Seed every random source the playground uses; returns a CPU generator seeded the same."""
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)
