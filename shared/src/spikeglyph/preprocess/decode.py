"""Step 1 of :func:`spikeglyph.preprocess.preprocess`: untrusted bytes → a loaded Pillow image.

The format is judged by its magic bytes (never by a name or a declared type), the pixel count is
checked from the header before any pixel is decoded, and anything that is not a still image of
a known raster format is refused with a message saying what it was instead.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import ExifTags, Image, ImageOps

from spikeglyph.errors import ImageTooLarge, InvalidImage, UnsupportedImage

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
SUPPORTED_FORMATS = "PNG, JPEG, WebP, GIF, BMP, TIFF"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, zlib.error)
"""What Pillow raises on truncated or corrupt input (it has no single exception for it)."""


def sniff_format(data: bytes) -> str:
    """The Pillow format name of ``data`` judged by its magic bytes, or raise UnsupportedImage."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    raise UnsupportedImage(
        f"expected an image ({SUPPORTED_FORMATS}); got {_describe_non_image(data)}"
    )


def _describe_non_image(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "a PDF document"
    if b"<svg" in head:
        return "an SVG drawing (vector images are not read; export it as PNG)"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    if head.startswith(b"<?xml"):
        return "an XML document"
    try:
        data[:512].decode("utf-8")
    except UnicodeDecodeError:
        return "an unknown binary format"
    return "text"


def decode_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduce_to: int | None = None,
) -> Image.Image:
    """Decode untrusted image bytes into a loaded Pillow image, refusing anything unsafe.

    * empty, truncated or corrupt bytes → :class:`InvalidImage`;
    * more than ``max_bytes`` bytes, or more than ``max_pixels`` pixels by the header (checked
      before any pixel is decoded, so a 20000×20000 PNG bomb costs nothing) →
      :class:`ImageTooLarge`; Pillow's own ``DecompressionBombWarning`` is turned into the same
      error for this call only (``Image.MAX_IMAGE_PIXELS`` is never changed);
    * anything but PNG, JPEG, WebP, GIF, BMP or TIFF (SVG, HTML, PDF, text) →
      :class:`UnsupportedImage`.

    Animated or multi-frame images (GIF, APNG, WebP, TIFF pages) yield their **first frame**:
    it is what a viewer shows as the still image. An EXIF orientation is applied (phones store
    portrait photos sideways and flag them). ``reduce_to`` lets JPEG decode at a reduced
    scale whose long side is still at least that many pixels (cheap DCT scaling for photos).
    """
    if not data:
        raise InvalidImage("empty upload: there are no image bytes to read")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"image is {len(data)} bytes; the limit is {max_bytes}")
    image_format = sniff_format(data)
    with warnings.catch_warnings():
        # The pixel check below is the real guard; this only catches Pillow's own limit (and
        # warning filters are process-wide before Python 3.14, so a concurrent call may miss it).
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[image_format])
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(
                    f"image is {width}×{height} pixels; the limit is {max_pixels} pixels"
                )
            if width == 0 or height == 0:
                raise InvalidImage(f"image has no pixels ({width}×{height})")
            if reduce_to is not None and image_format == "JPEG":
                image.draft(image.mode, (reduce_to, reduce_to))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(f"image has too many pixels to decode safely: {exc}") from exc
        except DECODE_ERRORS as exc:
            raise InvalidImage(
                f"could not decode the {image_format} image (truncated or corrupt): {exc}"
            ) from exc
    if getattr(image, "n_frames", 1) > 1:
        return _upright(image.copy())  # detach the first frame from the animation's decoder
    return _upright(image)


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so a phone photo taken in portrait is read upright."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except DECODE_ERRORS:
        return image  # unreadable metadata: the pixels are still fine as stored
    if orientation in (1, None):
        return image
    return ImageOps.exif_transpose(image)
