"""Turning an uploaded picture into what the model expects, one visible step at a time.

For models trained on MNIST-like data (light ink on a dark background, centred)
a photo of dark ink on light paper is converted to grey, inverted, cleaned of
its paper, cropped to the ink, scaled into a 20×20 box and centred by its mass
in 28×28, as the MNIST digits were made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from playground.errors import PlaygroundError
from playground.i18n import _


@dataclass(frozen=True)
class Step:
    title: str  # title and note are in the language of the run that made the step
    image: np.ndarray  # (H, W) or (H, W, 3) uint8, for display
    note: str = ""


def _otsu(values: np.ndarray) -> float:
    """The threshold that best separates ink from background (Otsu's method)."""
    hist = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    w0 = cum / total
    w1 = 1 - w0
    mu0 = cum_mean / np.maximum(cum, 1)
    mu1 = (cum_mean[-1] - cum_mean) / np.maximum(total - cum, 1)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(np.argmax(between))


def _square(a: np.ndarray) -> np.ndarray:
    """``a`` centred on a black square, so a thin crop displays at a sensible size."""
    h, w = a.shape
    side = max(h, w)
    out = np.zeros((side, side), a.dtype)
    out[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = a
    return out


def _centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    total = a.sum()
    rows, cols = np.indices(a.shape)
    return float((rows * a).sum() / total), float((cols * a).sum() / total)


def mnist_like(image: Image.Image, style: str = "digit", size: int = 28) -> list[Step]:
    """Grey → inverted if needed → paper removed → cropped → scaled and centred (``size``×``size``)."""
    steps = [Step(_("grayscale"), np.asarray(image.convert("L")))]
    grey = steps[0].image.astype(np.float64)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 127:  # light paper: MNIST digits are light ink on black
        grey = 255 - grey
        steps.append(Step(_("inverted"), grey.astype(np.uint8), _("dark ink on light paper → light ink on black")))
    else:
        steps.append(Step(_("not inverted"), grey.astype(np.uint8), _("already light on dark")))
    g8 = grey.astype(np.uint8)
    threshold = _otsu(g8)
    ink = np.where(grey > threshold, grey - threshold, 0.0)
    if ink.max() <= 0:
        raise PlaygroundError(_("No drawing or object stands out from the background in this picture."))
    ink = ink / ink.max() * 255
    note = _("pixels below {threshold:.0f} set to black").format(threshold=threshold)
    steps.append(Step(_("background removed"), ink.astype(np.uint8), note))
    rows, cols = np.nonzero(ink > 0.1 * 255)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = ink[top:bottom, left:right]
    steps.append(Step(_("cropped to the content"), _square(crop).astype(np.uint8)))
    box = 20 if style == "digit" else size  # MNIST fits digits in 20×20 and centres them in 28×28
    h, w = crop.shape
    scale = box / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = np.asarray(Image.fromarray(crop.astype(np.uint8)).resize((new_w, new_h), Image.Resampling.LANCZOS))
    canvas = np.zeros((size, size), np.float64)
    if style == "digit":
        cy, cx = _centre_of_mass(small.astype(np.float64) + 1e-9)
        top, left = round(size / 2 - cy), round(size / 2 - cx)
        top, left = min(max(top, 0), size - new_h), min(max(left, 0), size - new_w)
    else:
        top, left = (size - new_h) // 2, (size - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = small
    note = _("20×20 box, centred by mass") if style == "digit" else _("fitted and centred")
    title = _("resized to {size}×{size}").format(size=size)
    steps.append(Step(title, canvas.clip(0, 255).astype(np.uint8), note))
    return steps


def plain(image: Image.Image, channels: int, size: int) -> list[Step]:
    """Colour or grey as the model needs, the central square, resized to ``size``×``size``."""
    image = image.convert("RGB" if channels == 3 else "L")
    steps = [Step(_("colour") if channels == 3 else _("grayscale"), np.asarray(image))]
    w, h = image.size
    side = min(w, h)
    square = image.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
    steps.append(Step(_("central square"), np.asarray(square)))
    resized = square.resize((size, size), Image.Resampling.LANCZOS)
    steps.append(Step(_("resized to {size}×{size}").format(size=size), np.asarray(resized)))
    return steps


def to_model_input(steps: list[Step], meta: dict) -> torch.Tensor:
    """The last step as a normalised (1, C, H, W) float tensor."""
    array = steps[-1].image.astype(np.float32) / 255
    x = torch.from_numpy(array)
    x = x.permute(2, 0, 1) if x.ndim == 3 else x.unsqueeze(0)
    mean = torch.tensor(meta["mean"], dtype=torch.float32).view(-1, 1, 1)
    std = torch.tensor(meta["std"], dtype=torch.float32).view(-1, 1, 1)
    return ((x - mean) / std).unsqueeze(0)


def preprocess(image: Image.Image, meta: dict) -> tuple[list[Step], torch.Tensor]:
    """The steps to show and the model's input, as the model's training data was prepared."""
    channels, size, _width = meta["input"]
    style = meta.get("style", "photo")
    steps = mnist_like(image, style, size) if style in ("digit", "object") else plain(image, channels, size)
    return steps, to_model_input(steps, meta)
