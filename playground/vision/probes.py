"""Pictures for measuring the familiarity check, made from bundled data and drawn on the spot.

Each kind imitates what a student photographs with a phone: the MNIST test digits and the Fashion-MNIST test
items as dark ink on uneven light paper (large, off-centre, noisy, saved as JPEG), and things the digit model
never saw: blank paper, printed text, checkerboards and crops of the bundled colour photos. ``bench/familiarity.py``
reports how many of each a trained model flags, and the tests check the same rates on smaller sets.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from playground.data.decode import decode_image
from playground.data.images import load_bundled

PHOTOS = Path(__file__).resolve().parent.parent / "data" / "bundled" / "photos"
WORDS = (
    "the quick brown fox jumps over a lazy dog while students learn deep learning with real data train test "
    "loss accuracy gradient layer network python torch model epoch batch"
)


def _paper(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Light paper lit unevenly: a brightness ramp in a random direction, and sensor noise."""
    base = rng.uniform(185, 235)
    angle = rng.uniform(0, 2 * np.pi)
    rows, cols = np.mgrid[0:height, 0:width] / max(height, width)
    ramp = (np.cos(angle) * cols + np.sin(angle) * rows) * rng.uniform(10, 30)
    return base + ramp - ramp.mean() + rng.normal(0, rng.uniform(2, 6), (height, width))


def _as_photo(grey: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A grey page as a phone would save it: slightly tinted colour, JPEG-compressed, then decoded."""
    tint = rng.uniform(0.94, 1.04, 3)
    rgb = np.clip(grey[..., None] * tint, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=int(rng.integers(75, 95)))
    return decode_image(buffer.getvalue())


def on_paper(ink: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A light-on-black 28×28 picture (an MNIST record) drawn in dark ink, large and off-centre, on paper."""
    height, width = int(rng.integers(200, 320)), int(rng.integers(200, 320))
    side = int(rng.integers(90, min(height, width) - 40))
    big = np.asarray(Image.fromarray(ink).resize((side, side), Image.Resampling.BICUBIC), np.float64) / 255
    page = _paper(rng, height, width)
    top, left = int(rng.integers(10, height - side - 10)), int(rng.integers(10, width - side - 10))
    darkness = rng.uniform(0.6, 0.85)  # pencil to felt pen
    page[top : top + side, left : left + side] *= 1 - darkness * big.clip(0, 1)
    return _as_photo(page, rng)


def blank_paper(rng: np.random.Generator) -> Image.Image:
    height, width = int(rng.integers(200, 320)), int(rng.integers(200, 320))
    return _as_photo(_paper(rng, height, width), rng)


def printed_text(rng: np.random.Generator) -> Image.Image:
    """A few lines of printed words on paper."""
    height, width = int(rng.integers(200, 300)), int(rng.integers(260, 360))
    page = Image.fromarray(_paper(rng, height, width).clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(page)
    size = int(rng.integers(16, 30))
    font = ImageFont.load_default(size=size)
    y = int(rng.integers(10, 40))
    while y < height - size - 10:
        line = " ".join(rng.choice(WORDS.split(), size=int(rng.integers(2, 6))))
        draw.text((int(rng.integers(8, 30)), y), line, fill=int(rng.integers(10, 70)), font=font)
        y += int(size * rng.uniform(1.3, 1.8))
    return _as_photo(np.asarray(page, np.float64), rng)


def checkerboard(rng: np.random.Generator) -> Image.Image:
    """Black and white squares of a random size, photographed on paper."""
    height, width = int(rng.integers(200, 320)), int(rng.integers(200, 320))
    cell = int(rng.integers(12, 60))
    rows, cols = np.mgrid[0:height, 0:width]
    squares = ((rows // cell + cols // cell) % 2).astype(np.float64)
    page = _paper(rng, height, width) * (1 - 0.8 * squares)
    return _as_photo(page, rng)


def colour_photo(rng: np.random.Generator) -> Image.Image:
    """A random crop (at least half of each side) of one of the bundled colour photos."""
    paths = sorted(PHOTOS.glob("*.jpg"))
    image = Image.open(paths[int(rng.integers(len(paths)))]).convert("RGB")
    w, h = image.size
    cw, ch = int(rng.integers(w // 2, w + 1)), int(rng.integers(h // 2, h + 1))
    left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return image.crop((left, top, left + cw, top + ch))


def _records(name: str) -> Callable[[np.random.Generator], Image.Image]:
    test = load_bundled(name).X_test[:, 0].numpy()

    def make(rng: np.random.Generator) -> Image.Image:
        return on_paper(test[int(rng.integers(len(test)))], rng)

    return make


MAKERS = {
    "digits on paper": lambda: _records("mnist"),
    "clothing on paper": lambda: _records("fashion-mnist"),
    "blank paper": lambda: blank_paper,
    "printed text": lambda: printed_text,
    "checkerboard": lambda: checkerboard,
    "colour photo": lambda: colour_photo,
}
KINDS = tuple(MAKERS)


def pictures(kind: str, n: int, seed: int = 0) -> list[Image.Image]:
    """``n`` pictures of one of ``KINDS``, the same for the same seed."""
    make = MAKERS[kind]()
    rng = np.random.default_rng(seed)
    return [make(rng) for _ in range(n)]
