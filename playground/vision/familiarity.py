"""Does a picture look like the model's training data? Two measured signals, calibrated on the model's own data.

- **Energy**, ``−log Σₖ exp(logitₖ)`` (Liu et al., "Energy-based out-of-distribution detection", 2020). When no
  class gathers strong evidence every logit is small and the energy is high; softmax hides this, because it
  divides the evidence out. Measured on the course CNN trained on MNIST it flags 87–100% of clothing, blank
  paper, printed text and colour photos, where the softmax probability flags 60–100% at the same false-alarm
  rate (``bench/familiarity.py``).
- **Pieces**: how many separate blobs the model's input breaks into (4-connected, each at least 1% of the ink).
  A digit is one or two strokes; a checkerboard or a line of text is dozens. Energy alone let 67% of
  checkerboards through; with pieces 82% are flagged.

Each limit is the 99.5th percentile of the signal on the model's validation images (its training images when it
has no validation split), so about one familiar picture in 200 is flagged by each. The limits are stored in the
model's ``meta["familiarity"]`` and travel in its model file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.device import inference_batch

QUANTILE = 0.995  # each limit lets this share of the model's own validation images through
MAX_IMAGES = 5000  # calibrating on more changes the limits by little and costs time
INK_LEVEL = 0.35  # a pixel is ink when it is this far from the darkest to the brightest value of its picture
PIECE_SHARE = 0.01  # a blob counts as a piece when it holds at least this share of the picture's ink


@dataclass(frozen=True)
class Familiarity:
    energy: float
    energy_limit: float
    pieces: int
    pieces_limit: int

    @property
    def unlike_in_evidence(self) -> bool:
        return self.energy > self.energy_limit

    @property
    def unlike_in_shape(self) -> bool:
        return self.pieces > self.pieces_limit

    @property
    def unfamiliar(self) -> bool:
        return self.unlike_in_evidence or self.unlike_in_shape

    def as_dict(self) -> dict:
        return {
            "unfamiliar": self.unfamiliar,
            "energy": self.energy,
            "energy_limit": self.energy_limit,
            "pieces": self.pieces,
            "pieces_limit": self.pieces_limit,
        }


def energy(logits: torch.Tensor) -> torch.Tensor:
    """(N,) ``−logsumexp`` of each row of logits: higher means less evidence for any class."""
    return -torch.logsumexp(logits.float(), dim=1)


def pieces(X: torch.Tensor) -> torch.Tensor:
    """(N,) how many 4-connected blobs of ink each (N, C, H, W) picture holds, counting those of ≥ 1% of its ink.

    All pictures are labelled in one pass of ``scipy.ndimage.label`` over the (N, H, W) stack, joined only within
    a picture: 5,000 MNIST digits take about 0.05 s, where spreading labels with tensor operations took 2.4 s.
    """
    from scipy import ndimage  # noqa: PLC0415  (0.13 s to import: paid by the first run, not the page's first render)

    grey = X.detach().float().cpu().mean(1)
    low, high = grey.amin((1, 2), keepdim=True), grey.amax((1, 2), keepdim=True)
    ink = ((grey - low) > INK_LEVEL * (high - low).clamp_min(1e-6)).numpy()
    n = len(ink)
    within_a_picture = np.zeros((3, 3, 3), bool)
    within_a_picture[1] = ndimage.generate_binary_structure(2, 1)  # up, down, left, right; never the next picture
    labels, count = ndimage.label(ink, within_a_picture)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    picture = np.zeros(count + 1, np.int64)
    picture[labels] = np.arange(n)[:, None, None]  # every blob lies in one picture
    picture = picture[1:]
    inked = ink.reshape(n, -1).sum(1)
    return torch.from_numpy(np.bincount(picture[sizes >= PIECE_SHARE * inked[picture]], minlength=n))


@torch.no_grad()
def _logits(model: nn.Module, X: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    model.eval()
    device = next(model.parameters()).device
    size = inference_batch(device, batch_size)
    return torch.cat([model(X[i : i + size].to(device)).float().cpu() for i in range(0, len(X), size)])


def calibrate(model: nn.Module, X: torch.Tensor, source: str = "validation") -> dict:
    """The limits for ``model``, from its normalised images ``X`` (at most ``MAX_IMAGES`` of them), as plain data."""
    X = X[:MAX_IMAGES]
    return {
        "energy_limit": float(torch.quantile(energy(_logits(model, X)), QUANTILE)),
        "pieces_limit": int(torch.quantile(pieces(X).float(), QUANTILE).ceil()),
        "quantile": QUANTILE,
        "source": source,
        "images": len(X),
    }


def check(model: nn.Module, meta: dict, x: torch.Tensor) -> Familiarity | None:
    """How the (1, C, H, W) model input compares with the training data, or None when ``meta`` has no limits."""
    limits = calibrated(meta)
    if limits is None:
        return None
    return Familiarity(
        energy=float(energy(_logits(model, x))[0]),
        energy_limit=limits["energy_limit"],
        pieces=int(pieces(x)[0]),
        pieces_limit=limits["pieces_limit"],
    )


def calibrated(meta: dict) -> dict | None:
    """The stored limits, if ``meta`` (perhaps from an older or edited model file) holds usable ones."""
    limits = meta.get("familiarity")
    if not isinstance(limits, dict):
        return None
    energy_limit, pieces_limit = limits.get("energy_limit"), limits.get("pieces_limit")
    if type(energy_limit) is not float or type(pieces_limit) is not int or pieces_limit < 1:
        return None
    return limits
