"""Synaptic weights as pictures: tiles on a diverging colour scale centred on zero.

NumPy only, so that anything holding a model's weights can draw them (training logs, the
command line, a service reading ``weights.safetensors``). Two kinds of tile:

* a first convolution's kernels, one k×k tile per output channel;
* weights from the 784 input pixels (a fully connected layer's rows, an STDP network's
  columns) reshaped to 28×28, the picture every Diehl & Cook paper shows.

The colour scale is ColorBrewer's RdBu, a diverging map readable with the common forms of
colour blindness: blue for negative, near-white for zero, red for positive, symmetric around
zero with ``limit`` the largest absolute weight unless given. Non-negative weights (STDP) use
the white-to-red half.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

# ColorBrewer RdBu (11 classes), from most negative to most positive.
RDBU = np.array(
    [
        (5, 48, 97),
        (33, 102, 172),
        (67, 147, 195),
        (146, 197, 222),
        (209, 229, 240),
        (247, 247, 247),
        (253, 219, 199),
        (244, 165, 130),
        (214, 96, 77),
        (178, 24, 43),
        (103, 0, 31),
    ],
    dtype=np.float64,
)
PIXELS = 28 * 28


def diverging_rgb(values: npt.ArrayLike, limit: float | None = None) -> npt.NDArray[np.uint8]:
    """RGB (uint8, shape ``values.shape + (3,)``) of ``values`` on RdBu, zero at the centre,
    ±``limit`` (default: the largest absolute value) at the ends."""
    array = np.asarray(values, dtype=np.float64)
    bound = float(np.abs(array).max()) if limit is None and array.size else (limit or 0.0)
    scaled = np.clip(array / bound, -1.0, 1.0) if bound > 0 else np.zeros_like(array)
    position = (scaled + 1.0) / 2.0 * (len(RDBU) - 1)
    low = np.floor(position).astype(np.int64).clip(0, len(RDBU) - 2)
    frac = (position - low)[..., None]
    rgb: npt.NDArray[np.float64] = RDBU[low] * (1.0 - frac) + RDBU[low + 1] * frac
    return np.rint(rgb).astype(np.uint8)


def tile_grid(
    tiles: npt.ArrayLike,
    *,
    columns: int | None = None,
    zoom: int = 1,
    pad: int = 1,
    limit: float | None = None,
) -> npt.NDArray[np.uint8]:
    """Tiles [N, h, w] as one RGB picture [H, W, 3]: a near-square grid (``columns`` per row),
    each tile enlarged ``zoom`` times, ``pad`` grey pixels between them, one colour scale for
    all (so tiles compare)."""
    array = np.asarray(tiles, dtype=np.float64)
    if array.ndim != 3 or array.shape[0] == 0:
        raise ValueError(f"tile_grid needs tiles [N, h, w], got shape {array.shape}")
    count, height, width = array.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    colours = diverging_rgb(array, limit)
    if zoom > 1:
        colours = colours.repeat(zoom, axis=1).repeat(zoom, axis=2)
    tile_h, tile_w = height * zoom, width * zoom
    picture = np.full(
        (rows * (tile_h + pad) + pad, columns * (tile_w + pad) + pad, 3), 128, dtype=np.uint8
    )
    for index in range(count):
        top = pad + (index // columns) * (tile_h + pad)
        left = pad + (index % columns) * (tile_w + pad)
        picture[top : top + tile_h, left : left + tile_w] = colours[index]
    return picture


def kernel_tiles(weight: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """A first convolution's weight [C_out, 1, k, k] as tiles [C_out, k, k]."""
    array = np.asarray(weight, dtype=np.float64)
    if array.ndim != 4 or array.shape[1] != 1:
        raise ValueError(f"a first-layer kernel is [C_out, 1, k, k], got shape {array.shape}")
    return array[:, 0]


def input_weight_tiles(weight: npt.ArrayLike, *, inputs_first: bool) -> npt.NDArray[np.float64]:
    """Weights from the 784 input pixels as 28×28 tiles, one per neuron: a fully connected
    layer's [N, 784] (``inputs_first=False``) or an STDP network's [784, N] (``True``)."""
    array = np.asarray(weight, dtype=np.float64)
    per_neuron = array.T if inputs_first else array
    if per_neuron.ndim != 2 or per_neuron.shape[1] != PIXELS:
        raise ValueError(f"weights from the 784 input pixels expected, got shape {array.shape}")
    return per_neuron.reshape(-1, 28, 28)
