"""Weight figures: the colour scale is centred on zero and the grid places every tile."""

from __future__ import annotations

import numpy as np
import pytest

from spikeglyph.weightfigures import (
    RDBU,
    diverging_rgb,
    input_weight_tiles,
    kernel_tiles,
    tile_grid,
)


def test_zero_is_the_centre_colour_and_the_ends_are_the_map_ends() -> None:
    rgb = diverging_rgb(np.array([-2.0, 0.0, 2.0, 1.0]))
    assert rgb.dtype == np.uint8 and rgb.shape == (4, 3)
    assert tuple(rgb[0]) == tuple(RDBU[0].astype(int))  # most negative: dark blue
    assert tuple(rgb[1]) == (247, 247, 247)  # zero: near-white, whatever the range
    assert tuple(rgb[2]) == tuple(RDBU[-1].astype(int))  # most positive: dark red
    assert rgb[3, 0] > rgb[3, 2]  # halfway positive is reddish


def test_the_scale_is_symmetric_so_signs_compare() -> None:
    rgb = diverging_rgb(np.array([-1.0, 1.0, 0.25, -0.25]), limit=1.0)
    assert rgb[0, 2] > rgb[0, 0] and rgb[1, 0] > rgb[1, 2]  # −1 blue, +1 red
    assert rgb[2, 0] > rgb[2, 2] and rgb[3, 2] > rgb[3, 0]  # ±0.25 lean the same ways


def test_values_beyond_the_limit_saturate_and_all_zero_is_white() -> None:
    assert tuple(diverging_rgb(np.array([5.0]), limit=1.0)[0]) == tuple(RDBU[-1].astype(int))
    assert (diverging_rgb(np.zeros(3)) == 247).all()


def test_grid_places_each_tile_enlarged_with_grey_gaps() -> None:
    tiles = np.zeros((5, 2, 3))
    tiles[4] = 1.0  # the last tile, on the second row, is dark red
    picture = tile_grid(tiles, zoom=2, pad=1)
    # 5 tiles → 3 columns, 2 rows; each tile 4 × 6 pixels after zoom
    assert picture.shape == (2 * (4 + 1) + 1, 3 * (6 + 1) + 1, 3)
    assert (picture[0] == 128).all()  # the top gap is grey
    top, left = 1 + 4 + 1, 1 + 1 * (6 + 1)  # row 1, column 1
    assert (picture[top : top + 4, left : left + 6] == RDBU[-1].astype(np.uint8)).all()
    assert (picture[1:5, 1:7] == 247).all()  # a zero tile is near-white


def test_input_weights_become_28_by_28_tiles_either_orientation() -> None:
    rows = np.arange(3 * 784, dtype=float).reshape(3, 784)
    assert input_weight_tiles(rows, inputs_first=False).shape == (3, 28, 28)
    assert np.array_equal(
        input_weight_tiles(rows.T, inputs_first=True), input_weight_tiles(rows, inputs_first=False)
    )
    assert input_weight_tiles(rows, inputs_first=False)[1, 0, 1] == 784 + 1


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        (lambda a: input_weight_tiles(a, inputs_first=False), (3, 100)),
        (kernel_tiles, (8, 3, 3, 3)),
        (tile_grid, (4, 4)),
    ],
)
def test_wrong_shapes_are_refused_with_the_shape(call, shape) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=str(shape).replace("(", r"\(").replace(")", r"\)")):
        call(np.zeros(shape))
