"""From a model directory to the answer of the weights routes and the CLI's PNG files.

:func:`figure_set` reads a version's manifest and tensors and builds its figures;
:func:`diff_set` compares them with the parent's; :func:`payload` turns either into the JSON
the page draws. All of it is NumPy and Pillow, so the gateway computes it from the artifact
store without torch or ONNX Runtime.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spikeglyph.modeldir import WEIGHTS_NAME, Manifest, load_manifest
from spikeglyph.weight_schemas import WeightFigure, WeightFigures
from spikeglyph.weightviews.builders import float_names, network_kind, weight_figures
from spikeglyph.weightviews.diff import diff_figures
from spikeglyph.weightviews.figure import Figure
from spikeglyph.weightviews.render import layout
from spikeglyph.weightviews.sta import STA_NAME, STA_TENSOR
from spikeglyph.weightviews.tensorfile import read_tensors

STA_NOTE = (
    "This version was exported without the spike-triggered averages of its hidden neurons "
    "(versions trained from now on carry them); `spikeglyph weights MODEL --out DIR` draws "
    "them for any conv model."
)


@dataclass(frozen=True)
class FigureSet:
    """One version's figures (or their difference against ``manifest.parent``)."""

    manifest: Manifest
    kind: str
    figures: list[Figure]
    diff: bool = False
    notes: tuple[str, ...] = ()


def figure_set(model_dir: Path, *, verify: bool = True, sta: np.ndarray | None = None) -> FigureSet:
    """The figures of the model in ``model_dir`` (its files verified unless ``verify=False``,
    for a directory its caller verified already)."""
    manifest = load_manifest(model_dir, verify=verify)
    tensors = float_names(read_tensors(Path(model_dir) / WEIGHTS_NAME))
    if sta is None and STA_NAME in manifest.files:
        sta = read_tensors(Path(model_dir) / STA_NAME).get(STA_TENSOR)
    kind = network_kind(tensors)
    notes = (STA_NOTE,) if kind == "conv" and sta is None else ()
    return FigureSet(manifest, kind, weight_figures(manifest, tensors, sta), notes=notes)


def diff_set(child: FigureSet, parent: FigureSet) -> FigureSet:
    figures = diff_figures(child.manifest, child.figures, parent.figures)
    shown = {figure.name for figure in figures}
    skipped = [f.name for f in child.figures if f.name not in shown]
    notes = (
        (f"No difference view of {', '.join(skipped)}: its units cannot be matched.",)
        if skipped
        else ()
    )
    return FigureSet(child.manifest, child.kind, figures, diff=True, notes=notes)


def encode_values(figure: Figure) -> str:
    """Tiles as int8 steps of ``limit / 127``, base64 (see :mod:`.schemas`)."""
    steps = np.rint(figure.tiles / figure.limit * 127.0).clip(-127, 127).astype(np.int8)
    return base64.b64encode(steps.tobytes()).decode("ascii")


def payload(figures: FigureSet, png_url: Callable[[str], str]) -> WeightFigures:
    """The JSON answer; ``png_url(name)`` says where each figure's PNG is served."""
    return WeightFigures(
        version=figures.manifest.version,
        parent=figures.manifest.parent,
        kind=figures.kind,
        diff=figures.diff,
        figures=[_figure(figure, png_url(figure.name)) for figure in figures.figures],
        notes=list(figures.notes),
    )


def _figure(figure: Figure, png: str) -> WeightFigure:
    count, height, width = figure.tiles.shape
    return WeightFigure(
        name=figure.name,
        title=figure.title,
        description=figure.description,
        count=count,
        height=height,
        width=width,
        columns=layout(figure)[0],
        limit=figure.limit,
        signed=figure.signed,
        values=encode_values(figure),
        labels=list(figure.labels) if figure.labels is not None else None,
        marks=list(figure.marks) if figure.marks is not None else None,
        png=png,
    )
