"""A figure as a PNG: the tile grid of :mod:`spikeglyph.weightfigures` (RdBu, centred on
zero), each tile enlarged to a readable size, labels written in its corner, grown units
outlined in green and pruned ones outlined in black and crossed out."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from spikeglyph.weightfigures import tile_grid
from spikeglyph.weightviews.figure import GROWN, PRUNED, Figure

TARGET_TILE_PX = 56  # a 28×28 tile drawn twice as large; a 3×3 kernel at 18 px a cell
PAD = 2
GROWN_RGB = (27, 158, 119)  # ColorBrewer Dark2 green: apart from both ends of RdBu
PRUNED_RGB = (0, 0, 0)


def zoom_of(figure: Figure) -> int:
    height, width = figure.tiles.shape[1:]
    return max(1, TARGET_TILE_PX // max(height, width)) if max(height, width) < 64 else 1


def layout(figure: Figure) -> tuple[int, int]:
    """Columns and rows of the grid (``columns`` if the figure asks for a width)."""
    count = len(figure.tiles)
    columns = figure.columns or math.ceil(math.sqrt(count))
    columns = min(columns, count)
    return columns, math.ceil(count / columns)


def render_png(figure: Figure) -> bytes:
    zoom = zoom_of(figure)
    columns, _ = layout(figure)
    grid = tile_grid(figure.tiles, columns=columns, zoom=zoom, pad=PAD, limit=figure.limit)
    image = Image.fromarray(grid, mode="RGB")
    if figure.labels is not None or figure.marks is not None:
        _annotate(ImageDraw.Draw(image), figure, zoom, columns)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _annotate(draw: ImageDraw.ImageDraw, figure: Figure, zoom: int, columns: int) -> None:
    tile_h, tile_w = (n * zoom for n in figure.tiles.shape[1:])
    for index in range(len(figure.tiles)):
        top = PAD + (index // columns) * (tile_h + PAD)
        left = PAD + (index % columns) * (tile_w + PAD)
        box = (left, top, left + tile_w - 1, top + tile_h - 1)
        mark = figure.marks[index] if figure.marks is not None else None
        if mark == GROWN:
            draw.rectangle(box, outline=GROWN_RGB, width=2)
        elif mark == PRUNED:
            draw.rectangle(box, outline=PRUNED_RGB, width=2)
            draw.line(box, fill=PRUNED_RGB, width=1)
        if figure.labels is not None and figure.labels[index]:
            draw.text((left + 2, top + 1), figure.labels[index], fill=(0, 0, 0))
