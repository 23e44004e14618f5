"""Any image → the 28×28 float array the networks read (torch-free; one function everywhere).

Training augmentation, the CLI and the inference service all call :func:`preprocess`, so a
canvas drawing, a phone photo of ink on paper and an MNIST digit land in the same distribution.
The steps follow the original MNIST procedure (LeCun et al.: size-normalise the digit into a
20×20 box keeping its aspect ratio, anti-aliased, then translate it so its centre of mass sits
at the centre of the 28×28 field) preceded by what real uploads need:

1. decode safely (:func:`decode_image`): sniff the format from the bytes, refuse non-images,
   check the pixel count from the header before decoding (decompression bombs);
2. grayscale, with transparency flattened onto white paper (a drawing whose ink exists only in
   the alpha channel, e.g. white strokes on a transparent canvas, uses the alpha as ink);
3. polarity: the border tells the paper's brightness, so dark ink on light paper and light ink
   on dark paper both become ink = 1, paper = 0;
4. denoise: the paper's own variation (measured on pixels that stray from the paper level the
   way ink never does) is subtracted as a noise floor, speckle is median-filtered, and the ink
   is stretched to a peak of 1 (a no-op on clean images, a cleaner digit on photos);
5. bounding-box crop of the ink, aspect-preserving resize of the long side to 20 px, paste
   into 28×28 with the centre of mass at pixel (14, 14), exactly where MNIST puts it.
   ``dataset="fashion-mnist"`` follows that dataset's own layout instead (long side 28 px,
   box-centred), so an MNIST or Fashion-MNIST test image comes back essentially unchanged.

A blank or uniform image raises :class:`~spikeglyph.errors.BlankImage` rather than guessing.
Bump :data:`spikeglyph.modeldir.PREPROCESSING_VERSION` whenever the output changes.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import ExifTags, Image, ImageOps

from spikeglyph.errors import (
    BlankImage,
    ImageTooLarge,
    InvalidImage,
    UnknownDataset,
    UnsupportedImage,
)

FloatImage = npt.NDArray[np.float32]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
OUTPUT_SIDE = 28
BOX_SIDE = 20
CENTRE = 14.0  # MNIST's mean centre of mass, in pixel-index coordinates


@dataclass(frozen=True)
class FieldLayout:
    """Where a dataset puts its subject in the 28×28 field."""

    box_side: int  # long side of the subject's bounding box, px
    centring: Literal["mass", "box"]  # centre of mass, or centre of the bounding box
    target: float  # pixel-index coordinate the centre lands on (both axes)


LAYOUTS: dict[str, FieldLayout] = {
    # LeCun et al.: 20×20 box, centre of mass at the centre of the field.
    "mnist": FieldLayout(box_side=BOX_SIDE, centring="mass", target=CENTRE),
    # Xiao et al. 2017: longest edge resized to 28, the trimmed image centred.
    "fashion-mnist": FieldLayout(box_side=OUTPUT_SIDE, centring="box", target=13.5),
}

# Large photos are reduced to this long side before any per-pixel work: a digit needs far
# fewer pixels than a 12-megapixel photo has, and the result is cut to 20 px anyway.
WORK_MAX_SIDE = 640
# Contrast (on a 0..1 scale) below which an image is considered uniform: 4 of 255 grey levels.
BLANK_CONTRAST = 4 / 255
# Ink below this fraction of the peak does not extend the bounding box (the faintest
# anti-aliasing of a stroke; 5 of 255 grey levels).
BBOX_THRESHOLD = 0.02
# On noisy paper (photos) only clear ink counts, and the box spans the ink's mass minus this
# fraction at each end, so residual grain or a stray speck does not stretch it.
NOISY_BBOX_THRESHOLD = 0.25
NOISY_MASS_TRIM = 0.003
# The paper's noise floor, in standard deviations of the paper's variation (see _noise_floor).
NOISE_SIGMAS = 2.5
# Noise floor above which the paper counts as noisy (a photo rather than a clean drawing).
NOISY_FLOOR = 1 / 255
# Pixels this far from the paper level (0..1 scale) or closer may be paper grain.
FAINT_INK = 0.25
# About how many pixels the grain estimate looks at (whole rows, evenly spaced).
GRAIN_SAMPLE = 8192
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
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, zlib.error)
_HIGH_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


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
        except _DECODE_ERRORS as exc:
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
    except _DECODE_ERRORS:
        return image  # unreadable metadata: the pixels are still fine as stored
    if orientation in (1, None):
        return image
    return ImageOps.exif_transpose(image)


def preprocess(
    image: bytes | Image.Image | npt.NDArray[np.generic],
    *,
    dataset: str = "mnist",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> FloatImage:
    """Turn an image into MNIST form: float32 ``[28, 28]`` in ``[0, 1]``, ink 1, paper 0.

    ``image`` may be encoded bytes (decoded with :func:`decode_image` and the two limits), a
    Pillow image of any mode, or a numpy array ``[H, W]``, ``[H, W, 1|3|4]`` or ``[1, H, W]``
    (uint8 0..255, uint16 0..65535, bool, or floats in 0..1) holding *brightness*: an MNIST
    digit (light ink on black) comes back essentially unchanged.

    ``dataset`` picks the field layout the model was trained on (:data:`LAYOUTS`): digits fill
    a 20 px box centred by mass; Fashion-MNIST garments fill the whole 28 px side, box-centred.
    """
    layout = layout_for(dataset)
    gray = _gray_array(image, max_bytes=max_bytes, max_pixels=max_pixels)
    ink, noisy = _ink_from_gray(gray)
    return _place_in_field(_crop_to_ink(ink, layout.box_side, noisy=noisy), layout)


def layout_for(dataset: str) -> FieldLayout:
    try:
        return LAYOUTS[dataset]
    except KeyError:
        raise UnknownDataset(
            f"unknown dataset {dataset!r}: choose one of {', '.join(LAYOUTS)}"
        ) from None


# --- step 2: brightness ------------------------------------------------------------------------
def _gray_array(
    image: bytes | Image.Image | npt.NDArray[np.generic], *, max_bytes: int, max_pixels: int
) -> FloatImage:
    """Brightness in 0..1 (1 = white), reduced to at most WORK_MAX_SIDE on the long side."""
    if isinstance(image, bytes | bytearray | memoryview):
        image = decode_image(
            bytes(image), max_bytes=max_bytes, max_pixels=max_pixels, reduce_to=WORK_MAX_SIDE
        )
    if isinstance(image, Image.Image):
        gray_image = _gray_image(image)
    elif isinstance(image, np.ndarray):
        gray = _array_brightness(image)
        if max(gray.shape) <= WORK_MAX_SIDE:
            return gray
        gray_image = Image.fromarray(gray, mode="F")
    else:
        raise UnsupportedImage(f"cannot preprocess a {type(image).__name__}")
    long_side = max(gray_image.size)
    if long_side > WORK_MAX_SIDE:
        gray_image = gray_image.reduce(math.ceil(long_side / WORK_MAX_SIDE))
    if gray_image.mode == "F":
        return np.asarray(gray_image, dtype=np.float32)
    return np.asarray(gray_image, dtype=np.float32) * np.float32(1 / 255)


def _gray_image(image: Image.Image) -> Image.Image:
    """An ``L`` (or ``F`` for high bit depths, scaled to 0..1) image, alpha flattened on white."""
    mode = image.mode
    if mode in _HIGH_BIT_MODES:
        return Image.fromarray(_array_brightness(np.asarray(image)), mode="F")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "L")
    elif mode in ("PA", "RGBa", "La"):
        image = image.convert("RGBA")
    elif mode == "CMYK":
        image = image.convert("RGB")
    if image.mode in ("RGBA", "LA"):
        return _flatten_alpha(image.convert("LA"))
    if image.mode == "L":
        return image
    try:
        return image.convert("L")
    except ValueError as exc:
        raise UnsupportedImage(f"images in {image.mode} mode are not supported") from exc


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """Luminance pasted onto white through the alpha mask (alpha-only ink when that is blank)."""
    luminance, alpha = image.split()
    paper = Image.new("L", image.size, 255)
    paper.paste(luminance, mask=alpha)
    if _band_range(paper) < BLANK_CONTRAST * 255 <= _band_range(alpha):
        # Ink colour equals the paper it was flattened on (white strokes on a transparent
        # canvas): the alpha channel is the only trace of the drawing.
        return Image.eval(alpha, lambda value: 255 - value)
    return paper


def _band_range(band: Image.Image) -> float:
    """max - min of a single-band image, computed in C (no copy into numpy)."""
    low, high = band.getextrema()
    return float(high) - float(low)  # type: ignore[arg-type]


def _array_brightness(array: npt.NDArray[np.generic]) -> FloatImage:
    """A numpy image as float32 brightness in 0..1."""
    values = np.asarray(array)
    if values.ndim == 3 and values.shape[0] == 1:
        values = values[0]
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[..., 0]
    if values.ndim not in (2, 3) or (values.ndim == 3 and values.shape[2] not in (3, 4)):
        raise InvalidImage(f"expected an array [H, W] or [H, W, 3|4], got shape {values.shape}")
    if values.size == 0:
        raise InvalidImage("image has no pixels")
    scaled = _unit_scale(values)
    if scaled.ndim == 2:
        return scaled
    luminance = scaled[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if scaled.shape[2] == 4:
        alpha = scaled[..., 3]
        luminance = luminance * alpha + (1 - alpha)
    return np.ascontiguousarray(luminance, dtype=np.float32)


def _unit_scale(values: npt.NDArray[np.generic]) -> FloatImage:
    if values.dtype == np.bool_:
        return values.astype(np.float32)
    if values.dtype == np.uint8:
        return values.astype(np.float32) * np.float32(1 / 255)
    if values.dtype == np.uint16:
        return values.astype(np.float32) * np.float32(1 / 65535)
    if not np.issubdtype(values.dtype, np.number):
        raise InvalidImage(f"cannot read an array of {values.dtype}")
    scaled = values.astype(np.float32)
    if not np.isfinite(scaled).all():
        raise InvalidImage("image array holds NaN or infinite values")
    low, high = float(scaled.min()), float(scaled.max())
    if low >= 0 and high <= 1:
        return scaled
    if low >= 0 and high <= 255:
        return scaled * np.float32(1 / 255)
    if low >= 0 and high <= 65535:
        return scaled * np.float32(1 / 65535)
    return (scaled - low) / np.float32(max(high - low, 1e-12))


# --- steps 3 and 4: polarity and noise ---------------------------------------------------------
def _ink_from_gray(gray: FloatImage) -> tuple[FloatImage, bool]:
    """Ink intensity (0 paper .. 1 peak ink), whichever way round the image was drawn, and
    whether the paper was noisy."""
    low, high = float(gray.min()), float(gray.max())
    if high - low < BLANK_CONTRAST:
        raise BlankImage("the image is blank (a single uniform colour): there is nothing to read")
    border = np.concatenate((gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]))
    paper = float(np.median(border))
    dark_ink = paper - low > high - paper
    ink = (paper - gray) if dark_ink else (gray - paper)
    # Whether any pixel strays from the paper the way ink never does (cheap: from the extremes).
    strays = (high > paper) if dark_ink else (low < paper)
    floor = _noise_floor(ink, strays=strays)
    peak = float(ink.max())
    if peak - floor < BLANK_CONTRAST:
        raise BlankImage("no ink stands out from the paper: the image looks blank")
    if floor > 0 or peak != 1.0:
        ink = np.clip((ink - floor) / np.float32(peak - floor), 0.0, 1.0, dtype=np.float32)
    return ink, floor > NOISY_FLOOR


def _noise_floor(ink: FloatImage, *, strays: bool = True) -> float:
    """How far plain paper strays from its own level: a multiple of the larger of two σs.

    * Ink only ever deviates from the paper in one direction, so pixels that deviate the other
      way (``ink < 0``) are paper; their root mean square measures noise *and* uneven light,
      however much of the image the ink covers (garments fill most of theirs).
    * That misses noise on paper clipped at pure white or black (nothing can deviate the other
      way), so grain is also measured from neighbouring-pixel differences among the faint
      pixels: ``median |Δ| / (0.6745 √2)`` is σ for Gaussian noise, and 0 on clean images,
      whose paper is exactly flat.

    Clean images (canvas drawings, MNIST and Fashion-MNIST themselves) get 0 and keep every
    grey level.
    """
    sigma_light = 0.0
    if strays:
        opposite = ink[ink < 0]
        sigma_light = float(np.sqrt(np.mean(np.square(opposite)))) if opposite.size else 0.0
    # Evenly spaced whole rows: enough neighbour pairs for a stable median, at a bounded cost.
    rows = ink[:: max(1, ink.size // GRAIN_SAMPLE)]
    step = np.abs(np.diff(rows, axis=1))
    faint = (rows[:, 1:] < FAINT_INK) & (rows[:, :-1] < FAINT_INK)
    steps = step[faint]
    sigma_grain = 0.0
    # Flat paper makes most steps exactly 0, and then the median is 0 without sorting anything.
    if 2 * np.count_nonzero(steps) > steps.size:
        sigma_grain = float(np.median(steps)) / (0.6745 * math.sqrt(2))
    return NOISE_SIGMAS * max(sigma_light, sigma_grain)


# --- step 5: crop, scale, centre ---------------------------------------------------------------
def _ink_box(ink: FloatImage, *, noisy: bool) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` inclusive bounds of the ink."""
    if noisy:
        clear = np.where(ink > NOISY_BBOX_THRESHOLD, ink, 0.0)
        if not clear.any():
            raise BlankImage("no ink stands out from the paper: the image looks blank")
        top, bottom = _mass_span(clear.sum(axis=1))
        left, right = _mass_span(clear.sum(axis=0))
        return top, bottom, left, right
    mask = ink > BBOX_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise BlankImage("no ink stands out from the paper: the image looks blank")
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def _mass_span(profile: npt.NDArray[np.floating]) -> tuple[int, int]:
    """First and last index between which all but NOISY_MASS_TRIM of each end's mass lies."""
    cumulative = np.cumsum(profile, dtype=np.float64)
    total = float(cumulative[-1])
    first = int(np.searchsorted(cumulative, NOISY_MASS_TRIM * total, side="right"))
    last = int(np.searchsorted(cumulative, (1 - NOISY_MASS_TRIM) * total, side="left"))
    return first, max(first, min(last, len(profile) - 1))


def _crop_to_ink(ink: FloatImage, box_side: int, *, noisy: bool) -> FloatImage:
    """The ink's bounding box, resized so its long side is ``box_side`` px (aspect kept)."""
    top, bottom, left, right = _ink_box(ink, noisy=noisy)
    patch = ink[top : bottom + 1, left : right + 1]
    height, width = patch.shape
    scale = box_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size != (width, height):
        # BILINEAR widens its kernel when shrinking, so downscaling is properly anti-aliased.
        resized = Image.fromarray(np.ascontiguousarray(patch), mode="F").resize(
            size, Image.Resampling.BILINEAR
        )
        patch = np.asarray(resized, dtype=np.float32)
    peak = float(patch.max())
    if peak <= 0:
        raise BlankImage("no ink stands out from the paper: the image looks blank")
    # Thin strokes lose contrast when shrunk; MNIST strokes reach full intensity.
    normalised: FloatImage = np.clip(patch / np.float32(peak), 0.0, 1.0, dtype=np.float32)
    return normalised


def _place_in_field(patch: FloatImage, layout: FieldLayout) -> FloatImage:
    """Paste ``patch`` into 28×28 with its centre of mass (or box centre) on the layout's target.

    The shift is limited so the whole patch stays inside the field: a lopsided glyph such as a
    top-heavy 7 ends up a pixel or two off-centre rather than losing its foot over the edge.
    """
    height, width = patch.shape
    if layout.centring == "mass":
        mass = float(patch.sum())
        centre_y = float(patch.sum(axis=1) @ np.arange(height, dtype=np.float32)) / mass
        centre_x = float(patch.sum(axis=0) @ np.arange(width, dtype=np.float32)) / mass
    else:
        centre_y, centre_x = (height - 1) / 2, (width - 1) / 2
    # Halves round up (not to even): for a box-centred field this reproduces Fashion-MNIST's
    # own placement, ceil((28 - size) / 2).
    top = min(max(math.floor(layout.target - centre_y + 0.5), 0), OUTPUT_SIDE - height)
    left = min(max(math.floor(layout.target - centre_x + 0.5), 0), OUTPUT_SIDE - width)
    field = np.zeros((OUTPUT_SIDE, OUTPUT_SIDE), dtype=np.float32)
    field[top : top + height, left : left + width] = patch
    return field
