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
   way ink never does) is subtracted as a noise floor, and the ink is stretched to a peak of 1
   (a no-op on clean images, a cleaner digit on photos); an image with isolated specks (salt
   and pepper, dust) is median-filtered, so they cannot stretch the bounding box;
5. bounding-box crop of the ink, aspect-preserving resize of the long side to 20 px, paste
   into 28×28 with the centre of mass at pixel (14, 14), exactly where MNIST puts it.
   ``dataset="fashion-mnist"`` follows that dataset's own layout instead (long side 28 px,
   box-centred), so an MNIST or Fashion-MNIST test image comes back essentially unchanged.

A blank or uniform image raises :class:`~spikeglyph.errors.BlankImage` rather than guessing.
Bump :data:`spikeglyph.modeldir.PREPROCESSING_VERSION` whenever the output changes.

The steps live in :mod:`.decode`, :mod:`.brightness`, :mod:`.ink`, :mod:`.speckle` and
:mod:`.field`; this module runs them in order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from spikeglyph.preprocess.brightness import FloatImage, gray_array
from spikeglyph.preprocess.decode import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    SUPPORTED_FORMATS,
    decode_image,
    sniff_format,
)
from spikeglyph.preprocess.field import (
    BOX_SIDE,
    CENTRE,
    LAYOUTS,
    OUTPUT_SIDE,
    FieldLayout,
    crop_to_ink,
    layout_for,
    place_in_field,
)
from spikeglyph.preprocess.ink import ink_from_gray
from spikeglyph.preprocess.speckle import despeckle

__all__ = [
    "BOX_SIDE",
    "CENTRE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "LAYOUTS",
    "OUTPUT_SIDE",
    "SUPPORTED_FORMATS",
    "FieldLayout",
    "FloatImage",
    "decode_image",
    "layout_for",
    "preprocess",
    "sniff_format",
]


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
    gray = gray_array(image, max_bytes=max_bytes, max_pixels=max_pixels)
    ink, noisy = ink_from_gray(gray)
    cleaned = despeckle(ink)
    if cleaned is not None:
        ink, noisy = cleaned, True
    return place_in_field(crop_to_ink(ink, layout.box_side, noisy=noisy), layout)
