"""decode_image: every kind of upload either decodes or is refused with the right error."""

from __future__ import annotations

import struct
import warnings
import zlib

import pytest
from PIL import Image

from spikeglyph.errors import ImageTooLarge, InvalidImage, UnsupportedImage
from spikeglyph.preprocess import decode_image
from tests.unit.preprocess.drawing import draw_digit, encode

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000}


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width × height``, followed by a token of pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_supported_formats_decode(image_format: str) -> None:
    image = decode_image(encode(draw_digit((64, 48)), image_format), **LIMITS)
    assert image.size == (64, 48)


def test_empty_upload_is_invalid() -> None:
    with pytest.raises(InvalidImage, match="empty"):
        decode_image(b"", **LIMITS)


def test_too_many_bytes_is_refused_before_decoding() -> None:
    data = encode(draw_digit((64, 64)), "PNG")
    with pytest.raises(ImageTooLarge, match=str(len(data))):
        decode_image(data, max_bytes=len(data) - 1, max_pixels=10**6)


@pytest.mark.parametrize(
    ("payload", "described"),
    [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
        (b"<svg width='10' height='10'><circle r='4'/></svg>", "SVG"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"seven\n", "text"),
        (b"\x00\x01\x02\xff\xfe\x80\x81", "unknown binary"),
    ],
)
def test_non_images_are_unsupported(payload: bytes, described: str) -> None:
    with pytest.raises(UnsupportedImage, match=described):
        decode_image(payload, **LIMITS)


def test_truncated_png_is_invalid() -> None:
    data = encode(draw_digit((200, 200)), "PNG")
    with pytest.raises(InvalidImage, match="PNG"):
        decode_image(data[: len(data) // 2], **LIMITS)


def test_garbage_behind_a_jpeg_signature_is_invalid() -> None:
    with pytest.raises(InvalidImage):
        decode_image(b"\xff\xd8\xff" + b"nonsense" * 20, **LIMITS)


@pytest.mark.parametrize("side", [8000, 20000])
def test_decompression_bomb_is_refused_from_its_header(side: int) -> None:
    # The pixel data is not there at all: refusing it proves the size is checked first.
    with pytest.raises(ImageTooLarge, match="pixels"):
        decode_image(_png_header(side, side), **LIMITS)


def test_pixel_limit_is_the_callers() -> None:
    data = encode(draw_digit((100, 100)), "PNG")
    with pytest.raises(ImageTooLarge, match="100×100"):
        decode_image(data, max_bytes=10**6, max_pixels=9999)
    assert decode_image(data, max_bytes=10**6, max_pixels=10000).size == (100, 100)


def test_pillows_own_bomb_limit_becomes_image_too_large_without_leaking() -> None:
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS
    assert limit_before is not None
    side = int((limit_before * 1.5) ** 0.5)  # above Pillow's warning level, below its error level
    with pytest.raises(ImageTooLarge):
        decode_image(_png_header(side, side), max_bytes=10**6, max_pixels=10**12)
    huge = int((limit_before * 3) ** 0.5)
    with pytest.raises(ImageTooLarge):
        decode_image(_png_header(huge, huge), max_bytes=10**6, max_pixels=10**12)
    assert limit_before == Image.MAX_IMAGE_PIXELS
    assert list(warnings.filters) == filters_before


def test_animated_gif_yields_its_first_frame() -> None:
    first = Image.new("L", (40, 40), 0)
    first.paste(255, (18, 5, 22, 35))  # vertical bar
    second = Image.new("L", (40, 40), 0)
    second.paste(255, (5, 18, 35, 22))  # horizontal bar
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    image = decode_image(data, **LIMITS).convert("L")
    assert image.getpixel((20, 8)) == 255
    assert image.getpixel((8, 20)) == 0


def test_jpeg_can_be_decoded_at_reduced_scale() -> None:
    data = encode(draw_digit((2000, 1600)).convert("RGB"), "JPEG", quality=85)
    image = decode_image(data, **LIMITS, reduce_to=400)
    assert 400 <= max(image.size) < 2000


def test_exif_orientation_is_applied() -> None:
    stored = Image.new("L", (200, 100), 255)
    stored.paste(0, (0, 0, 20, 20))  # a mark in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image = decode_image(encode(stored, "JPEG", exif=exif.tobytes()), **LIMITS)
    assert image.size == (100, 200)
    assert image.getpixel((90, 10)) < 64  # the mark is now top-right
