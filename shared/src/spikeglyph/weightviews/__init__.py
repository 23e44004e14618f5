"""A model version's weights as figures: built from ``weights.safetensors`` with NumPy,
drawn as PNG with Pillow, answered as JSON for the page (see :mod:`.views`)."""

from spikeglyph.weight_schemas import WeightFigure, WeightFigures
from spikeglyph.weightviews.figure import GROWN, PRUNED, Figure
from spikeglyph.weightviews.render import render_png
from spikeglyph.weightviews.views import FigureSet, diff_set, figure_set, payload

__all__ = [
    "GROWN",
    "PRUNED",
    "Figure",
    "FigureSet",
    "WeightFigure",
    "WeightFigures",
    "diff_set",
    "figure_set",
    "payload",
    "render_png",
]
