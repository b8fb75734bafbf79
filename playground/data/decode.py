"""One safe image decoder for every upload, and safe reading of zips of class folders.

Pillow reads only the header before we check the pixel count, so a
decompression bomb is refused fast without being decoded. Only common formats
are accepted; EXIF orientation is applied; every mode becomes 8-bit RGB or L.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from playground.errors import PlaygroundError
from playground.i18n import _, ngettext, number

MAX_PIXELS = 40_000_000  # about a 48-megapixel photo; far below what would exhaust memory
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")

MAX_ZIP_FILES = 5_000
MAX_ZIP_BYTES = 200 * 1024 * 1024  # total uncompressed
MIN_CLASSES, MIN_PER_CLASS = 2, 3


def decode_image(data: bytes, name: str | None = None, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Bytes -> an 8-bit "RGB" or "L" image, or PlaygroundError in one sentence (``name``: the file's name)."""
    name = name or _("the image")
    millions = max_pixels // 1_000_000
    if not data:
        raise PlaygroundError(_("{name} is empty.").format(name=name))
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:  # Pillow's own, far higher limit
        raise PlaygroundError(
            _("{name} has more pixels than the {millions} million allowed.").format(name=name, millions=millions)
        ) from None
    except UnidentifiedImageError:
        if _looks_like_image(data):
            raise PlaygroundError(_("{name} could not be read: the image is damaged.").format(name=name)) from None
        raise PlaygroundError(_("{name} is not a PNG, JPEG, WebP, GIF or BMP image.").format(name=name)) from None
    except (OSError, ValueError, SyntaxError):
        raise PlaygroundError(_("{name} could not be read as an image.").format(name=name)) from None
    width, height = image.size
    if width * height > max_pixels:
        raise PlaygroundError(
            _("{name} is {width}×{height}: it has more pixels than the {millions} million allowed.").format(
                name=name, width=width, height=height, millions=millions
            )
        )
    if width < 1 or height < 1:
        raise PlaygroundError(_("{name} has no pixels.").format(name=name))
    try:
        image.seek(0)  # the first frame of an animation
        image.load()
        image = ImageOps.exif_transpose(image)
        return _to_8bit(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise PlaygroundError(_("{name} is truncated or damaged.").format(name=name)) from None


def _looks_like_image(data: bytes) -> bool:
    """Whether ``data`` starts with the signature of an accepted format."""
    return data.startswith((b"\x89PNG", b"\xff\xd8", b"GIF87a", b"GIF89a", b"BM")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def _to_8bit(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)  # transparency becomes white paper
        return image.convert("RGB") if mode != "LA" else image.convert("L")
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        lo, hi = float(values.min()), float(values.max())
        scaled = (values - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(values)
        return Image.fromarray(scaled.round().astype(np.uint8), "L")
    if mode in ("1", "L"):
        return image.convert("L")
    return image.convert("RGB")  # RGB, CMYK, YCbCr, LAB, HSV


@dataclass
class ClassImages:
    """Images grouped by class name, read from a zip or uploaded class by class."""

    images: dict[str, list[Image.Image]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # one sentence per file left out

    @property
    def classes(self) -> list[str]:
        return sorted(self.images)

    def validate(self) -> None:
        """PlaygroundError unless there are at least 2 classes with at least 3 images each."""
        usable = {c: v for c, v in self.images.items() if v}
        if len(usable) < MIN_CLASSES:
            raise PlaygroundError(
                ngettext(
                    "Give at least {n} class, each a folder of images.",
                    "Give at least {n} classes, each a folder of images.",
                    MIN_CLASSES,
                ).format(n=MIN_CLASSES)
            )
        small = [c for c, v in usable.items() if len(v) < MIN_PER_CLASS]
        if small:
            raise PlaygroundError(
                ngettext(
                    "Each class needs at least {n} image; too few in: {classes}.",
                    "Each class needs at least {n} images; too few in: {classes}.",
                    MIN_PER_CLASS,
                ).format(n=MIN_PER_CLASS, classes=", ".join(sorted(small)))
            )


def read_class_zip(data: bytes, max_files: int = MAX_ZIP_FILES, max_bytes: int = MAX_ZIP_BYTES) -> ClassImages:
    """A zip holding one folder per class (optionally inside one top folder) -> ClassImages.

    Absolute paths and '..' are refused, and the file count and total
    uncompressed size are capped before anything is extracted (zip bombs).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PlaygroundError(_("This file is not a zip archive.")) from None
    entries = [e for e in archive.infolist() if not e.is_dir()]
    if len(entries) > max_files:
        raise PlaygroundError(
            ngettext(
                "The zip holds {count} files; at most {max} is allowed.",
                "The zip holds {count} files; at most {max} are allowed.",
                max_files,
            ).format(count=number(len(entries)), max=number(max_files))
        )
    total = sum(e.file_size for e in entries)
    if total > max_bytes:
        raise PlaygroundError(
            _("The zip unpacks to {size:,.0f} MB; at most {max} MB is allowed.").format(
                size=total / 2**20, max=max_bytes // 2**20
            )
        )
    for e in archive.infolist():
        path = PurePosixPath(e.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            raise PlaygroundError(
                _("The zip entry '{name}' points outside the archive, so the zip was refused.").format(name=e.filename)
            )
    paths = [PurePosixPath(e.filename.replace("\\", "/")) for e in entries]
    visible = [
        (e, p) for e, p in zip(entries, paths) if not any(part.startswith((".", "__MACOSX")) for part in p.parts)
    ]
    depth = _class_depth([p for _, p in visible if p.suffix.lower() in EXTENSIONS])
    result = ClassImages()
    for entry, path in visible:
        if len(path.parts) <= depth:
            result.skipped.append(_("{name} is not inside a class folder.").format(name=entry.filename))
            continue
        if path.suffix.lower() not in EXTENSIONS:
            result.skipped.append(_("{name} is not an image file.").format(name=entry.filename))
            continue
        with archive.open(entry) as f:
            content = f.read(entry.file_size + 1)
        if len(content) > entry.file_size:  # the header lied about the size
            raise PlaygroundError(
                _("The zip entry '{name}' is larger than it claims, so the zip was refused.").format(
                    name=entry.filename
                )
            )
        try:
            image = decode_image(content, name=entry.filename)
        except PlaygroundError as exc:
            result.skipped.append(str(exc))
            continue
        result.images.setdefault(path.parts[depth - 1] if depth else path.parts[0], []).append(image)
    result.validate()
    return result


def _class_depth(paths: list[PurePosixPath]) -> int:
    """1 when class folders are at the top; 2 when everything sits inside one top folder."""
    tops = {p.parts[0] for p in paths}
    if len(tops) == 1 and paths and all(len(p.parts) >= 3 for p in paths):
        return 2
    return 1


def read_class_folder(root: str | Path) -> ClassImages:
    """A folder holding one sub-folder of images per class -> ClassImages (for the CLI)."""
    root = Path(root)
    if not root.is_dir():
        raise PlaygroundError(_("'{folder}' is not a folder of class folders.").format(folder=root))
    result = ClassImages()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in EXTENSIONS or not path.is_file():
                continue
            if path.stat().st_size > MAX_ZIP_BYTES:
                result.skipped.append(_("{name} is too large.").format(name=path.name))
                continue
            try:
                result.images.setdefault(folder.name, []).append(decode_image(path.read_bytes(), name=path.name))
            except PlaygroundError as exc:
                result.skipped.append(str(exc))
    result.validate()
    return result
