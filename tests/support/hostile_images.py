"""A corpus of hostile and unusual uploads, each with the answer the predict route documents.

Every case is built in memory, cheaply: the 20000×20000 PNG bomb is assembled from one
compressed block of zeros repeated (a full flush makes deflate blocks independent of each
other), so its 400 MB of pixels are never allocated, on either side.

Expected answers (``POST /api/v1/predict``, also ``/v1/predict`` on a replica):

* 400 ``invalid_image``: empty, truncated or corrupt bytes of a format that is otherwise read;
* 400 ``blank_image``: a decodable image with no ink (a single pixel has no contrast);
* 413 ``payload_too_large``: more pixels than ``SPIKEGLYPH_MAX_IMAGE_PIXELS`` by the header;
* 415 ``unsupported_media_type``: anything but PNG, JPEG, WebP, GIF, BMP, TIFF (SVG, HTML, PDF,
  scripts) — judged by the bytes, not the file name or Content-Type;
* 200: an image that is legitimately readable: animated GIF (its first frame), 16-bit PNG,
  CMYK JPEG, TIFF, BMP, WebP, and a PNG with a ZIP appended (trailing bytes after ``IEND`` are
  never interpreted, so the polyglot is just a picture to the service).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class HostileImage:
    name: str
    data: bytes
    expected: int
    code: str | None  # the error code of a 4xx answer; None for 200
    why: str


def digit_array(side: int = 28) -> np.ndarray:
    """A plain "7" drawn as white ink on black, like an MNIST digit."""
    image = np.zeros((side, side), np.uint8)
    s = side / 28
    image[int(6 * s) : int(9 * s), int(7 * s) : int(21 * s)] = 255
    for row in range(int(9 * s), int(23 * s)):
        col = int(21 * s - (row - 9 * s) * 0.6)
        image[row, max(col - int(2 * s), 0) : col + 1] = 255
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


@cache
def png_bomb(side: int = 20000) -> bytes:
    """A valid ``side``×``side`` 8-bit grey PNG of zeros, built without allocating its pixels.

    The zlib stream is a header, one full-flushed deflate block of ``rows_per_block`` zero rows
    repeated, a final empty block and the Adler-32 of the data (for all-zero data: a = 1,
    b = length mod 65521).
    """
    row = side + 1  # filter byte + pixels
    rows_per_block = next(n for n in (100, 50, 40, 25, 20, 10, 8, 5, 4, 2, 1) if side % n == 0)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(row * rows_per_block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush(zlib.Z_FINISH)
    length = row * side
    adler = ((length % 65521) << 16) | 1
    stream = b"\x78\xda" + block * (side // rows_per_block) + final + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", stream)
        + _chunk(b"IEND", b"")
    )


def _animated_gif() -> bytes:
    first = Image.fromarray(digit_array())
    second = Image.fromarray(255 - digit_array())
    return encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)


def _png16() -> bytes:
    wide = digit_array().astype(np.uint16) * 257
    return encode(Image.fromarray(wide), "PNG")  # uint16 → mode I;16


def _cmyk_jpeg() -> bytes:
    ink = Image.fromarray(255 - digit_array(112)).convert("RGB").convert("CMYK")
    return encode(ink, "JPEG", quality=90)


def _zip_appended_png() -> bytes:
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.js", "alert(document.cookie)")
    return encode(Image.fromarray(digit_array()), "PNG") + archive.getvalue()


@cache
def corpus() -> tuple[HostileImage, ...]:
    png = encode(Image.fromarray(digit_array()), "PNG")
    jpeg = encode(Image.fromarray(digit_array(56)), "JPEG")
    ok = 200
    return (
        HostileImage("zero-byte", b"", 400, "invalid_image", "no bytes at all"),
        HostileImage("truncated-png", png[: len(png) // 2], 400, "invalid_image", "cut mid-IDAT"),
        HostileImage("truncated-jpeg", jpeg[:200], 400, "invalid_image", "cut after headers"),
        HostileImage("png-signature-only", png[:8], 400, "invalid_image", "magic, no chunks"),
        HostileImage(
            "one-pixel", encode(Image.new("L", (1, 1), 0), "PNG"), 400, "blank_image", "no ink"
        ),
        HostileImage("png-bomb-20000", png_bomb(), 413, "payload_too_large", "400 Mpx header"),
        HostileImage(
            "svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
            b'<text x="0" y="20">7</text></svg>',
            415,
            "unsupported_media_type",
            "vector drawing with a script",
        ),
        HostileImage(
            "html",
            b"<!doctype html><html><body><img src=x onerror=alert(1)>7</body></html>",
            415,
            "unsupported_media_type",
            "a web page",
        ),
        HostileImage(
            "pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", 415, "unsupported_media_type", "pdf"
        ),
        HostileImage(
            "gif-js-polyglot",
            b"GIF89a/*\x00\x00\x00\x00*/=1;alert(document.domain);//",
            400,
            "invalid_image",
            "GIF magic whose body is JavaScript: not a decodable GIF",
        ),
        HostileImage("png-with-zip", _zip_appended_png(), ok, None, "trailing ZIP ignored"),
        HostileImage("animated-gif", _animated_gif(), ok, None, "first frame is read"),
        HostileImage("png-16-bit", _png16(), ok, None, "16-bit grey scaled to 0..1"),
        HostileImage("cmyk-jpeg", _cmyk_jpeg(), ok, None, "CMYK converted to RGB"),
        HostileImage(
            "tiff", encode(Image.fromarray(digit_array()), "TIFF"), ok, None, "TIFF is supported"
        ),
        HostileImage(
            "bmp", encode(Image.fromarray(digit_array()), "BMP"), ok, None, "BMP is supported"
        ),
        HostileImage(
            "webp",
            encode(Image.fromarray(digit_array()), "WEBP", lossless=True),
            ok,
            None,
            "WebP is supported",
        ),
    )
