"""The safe image decoder and zip reader, against every bad input the CNN page can receive."""

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from playground.data.decode import decode_image, read_class_zip
from playground.errors import PlaygroundError


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_plain_formats_decode_to_8bit():
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8))
    for fmt in ("PNG", "JPEG", "WEBP", "BMP", "GIF"):
        out = decode_image(encode(rgb, fmt), name=f"x.{fmt}")
        assert out.size == (30, 20) and out.mode in ("RGB", "L")


def test_rgba_is_composited_on_white():
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red
    image.putpixel((0, 0), (0, 0, 255, 255))
    out = np.asarray(decode_image(encode(image, "PNG")))
    assert tuple(out[1, 1]) == (255, 255, 255) and tuple(out[0, 0]) == (0, 0, 255)


def test_palette_with_transparency_and_cmyk():
    pal = Image.new("P", (4, 4), 0)
    pal.putpalette([0, 0, 0, 200, 10, 10] + [0] * 762)
    pal.putpixel((2, 2), 1)
    out = np.asarray(decode_image(encode(pal, "PNG", transparency=0)))
    assert tuple(out[0, 0]) == (255, 255, 255) and tuple(out[2, 2]) == (200, 10, 10)
    cmyk = Image.new("CMYK", (3, 3), (0, 255, 255, 0))  # pure red in CMYK
    out = np.asarray(decode_image(encode(cmyk, "JPEG")))
    assert out.shape == (3, 3, 3) and out[1, 1, 0] > 200 and out[1, 1, 1] < 60


def test_16bit_grey_is_rescaled():
    values = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    out = np.asarray(decode_image(encode(Image.fromarray(values), "PNG")))
    assert out.dtype == np.uint8 and out.min() == 0 and out.max() == 255 and out[1, 0] == round(2000 / 4000 * 255)


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = decode_image(encode(image, "JPEG", exif=exif))
    assert out.size == (20, 40)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("L", (8, 8), v) for v in (10, 200, 90)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    out = np.asarray(decode_image(buffer.getvalue()).convert("L"))
    assert abs(int(out[0, 0]) - 10) <= 2


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's signature."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # a valid IHDR checksum
    return bytes(data)


def test_decompression_bomb_is_refused_from_its_header_without_decoding(monkeypatch):
    def decode(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    for side in (7_000, 100_000):  # over our limit; over Pillow's own too
        with pytest.raises(PlaygroundError, match="more pixels than the 40 million allowed"):
            decode_image(png_claiming_size(side, side), name="bomb.png")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "is empty"),
        (b"GIF87a-not-really", "could not be read|not a PNG"),
        (b"%PDF-1.7 a pdf, not an image", "not a PNG, JPEG"),
        (encode(Image.new("RGB", (64, 64)), "TIFF"), "not a PNG, JPEG"),
    ],
)
def test_bad_files_are_one_sentence(data, message):
    with pytest.raises(PlaygroundError, match=message):
        decode_image(data, name="upload")


def test_truncated_image_is_one_sentence():
    full = encode(Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200, 3), dtype=np.uint8)), "PNG")
    with pytest.raises(PlaygroundError, match="truncated or damaged"):
        decode_image(full[: len(full) // 2], name="half.png")


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


def small_png(value: int) -> bytes:
    return encode(Image.new("RGB", (8, 8), (value, value, value)), "PNG")


def test_zip_of_class_folders_inside_a_top_folder():
    files = {f"pets/{c}/{i}.png": small_png(i * 10) for c in ("cat", "dog") for i in range(3)}
    files["pets/readme.txt"] = b"hello"
    files["__MACOSX/pets/cat/._0.png"] = b"junk"
    files["pets/dog/notes.txt"] = b"not an image"
    result = read_class_zip(make_zip(files))
    assert result.classes == ["cat", "dog"] and all(len(v) == 3 for v in result.images.values())
    assert any("not an image file" in s for s in result.skipped)


@pytest.mark.parametrize("evil", ["../escape.png", "/etc/passwd", "cat/../../x.png", "C:/windows/x.png"])
def test_zip_paths_leaving_the_archive_are_refused(evil):
    files = {f"{c}/{i}.png": small_png(i) for c in ("a", "b") for i in range(3)} | {evil: small_png(1)}
    with pytest.raises(PlaygroundError, match="outside the archive"):
        read_class_zip(make_zip(files))


def test_zip_bombs_are_capped_before_extraction():
    many = {f"a/{i}.png": b"x" for i in range(60)}
    with pytest.raises(PlaygroundError, match="at most 50 are allowed"):
        read_class_zip(make_zip(many), max_files=50)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/big.png", b"\0" * (5 * 2**20))  # compresses to a few KB

    def extract(self, *args, **kwargs):
        raise AssertionError("a file was extracted")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile.ZipFile, "open", extract)
        with pytest.raises(PlaygroundError, match="unpacks to 5 MB"):
            read_class_zip(buffer.getvalue(), max_bytes=2**20)


@pytest.mark.parametrize(
    "files, message",
    [
        ({"only/1.png": small_png(1), "only/2.png": small_png(2), "only/3.png": small_png(3)}, "at least 2 classes"),
        (
            {"a/1.png": small_png(1), "b/1.png": small_png(2), "b/2.png": small_png(3), "b/3.png": small_png(3)},
            "too few in: a",
        ),
        ({"a/1.png": b"broken", "b/1.png": b"broken"}, "at least 2 classes"),
    ],
)
def test_too_little_to_learn_from_is_one_sentence(files, message):
    with pytest.raises(PlaygroundError, match=message):
        read_class_zip(make_zip(files))


def test_not_a_zip():
    with pytest.raises(PlaygroundError, match="not a zip"):
        read_class_zip(b"plain text")
