"""What changed between a version and its parent (``manifest.parent``), as figures.

A fine-tune keeps every unit, so each tile is simply new minus old. Neurogenesis prunes some
hidden units and appends new ones after the survivors (:func:`spikeglyph.train.plasticity.rebuild`);
its manifest records which of the parent's units each layer kept
(``metrics.neurogenesis.kept``). The difference view then shows, per unit of the first layer:
new minus old for a kept unit; the new weights, marked *grown*, for a grown one; and minus the
old weights, marked *pruned*, for a unit that is gone. Layers whose units cannot be matched
(an older manifest without ``kept``) are left out rather than drawn wrongly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from spikeglyph.modeldir import Manifest
from spikeglyph.weightviews.figure import GROWN, PRUNED, Figure


def unit_mapping(child: Manifest, layer: int, old_units: int, new_units: int) -> list[int] | None:
    """For layer ``layer``: the parent's index of each kept unit, in the child's order (the
    child's first ``len(result)`` units; the rest are grown), or None when unknown."""
    report = child.metrics.get("neurogenesis")
    kept = report.get("kept") if isinstance(report, dict) else None
    if isinstance(kept, list) and layer < len(kept):
        mapping = [int(i) for i in kept[layer]]
        if len(mapping) <= new_units and all(0 <= i < old_units for i in mapping):
            return mapping
        return None
    return list(range(old_units)) if old_units == new_units else None


def unit_diff(child: Figure, parent: Figure, mapping: Sequence[int]) -> Figure:
    """Tiles of units (one per tile) compared through ``mapping`` (see :func:`unit_mapping`)."""
    new, old = child.tiles, parent.tiles
    kept = len(mapping)
    pruned = sorted(set(range(len(old))) - set(mapping))
    tiles = np.concatenate([new[:kept] - old[list(mapping)], new[kept:], -old[pruned]])
    marks = (None,) * kept + (GROWN,) * (len(new) - kept) + (PRUNED,) * len(pruned)
    labels = None
    if child.labels is not None and parent.labels is not None:
        labels = (*child.labels, *(parent.labels[i] for i in pruned))
    return replace(
        child,
        title=f"Change since the parent: {child.title}",
        description=_describe(child, kept, len(new) - kept, len(pruned)),
        tiles=tiles,
        labels=labels,
        marks=marks,
        signed=True,
    )


def _describe(child: Figure, kept: int, grown: int, pruned: int) -> str:
    parts = [f"{kept} units present in both versions: new weights minus old"]
    if grown:
        parts.append(f"{grown} grown units (outlined green): their new weights")
    if pruned:
        parts.append(f"{pruned} pruned units (outlined black, crossed): minus their old weights")
    return (
        f"Difference view of {child.name} against the parent version; "
        + "; ".join(parts)
        + ". Red: weight went up; blue: went down."
    )


def diff_figures(
    child: Manifest, figures: list[Figure], parent_figures: list[Figure]
) -> list[Figure]:
    """The difference view of every figure that can be matched with the parent's."""
    by_name = {figure.name: figure for figure in parent_figures}
    diffs = []
    for figure in figures:
        before = by_name.get(figure.name)
        if before is None or figure.tiles.shape[1:] != before.tiles.shape[1:]:
            continue
        if figure.name == "sta":
            continue  # a sample of neurons, not weights: nothing to subtract
        if figure.name == "conv2":
            # rows and columns are units of two layers: only comparable when none changed
            if "neurogenesis" not in child.metrics and figure.tiles.shape == before.tiles.shape:
                diffs.append(unit_diff(figure, before, [0]))
            continue
        mapping = unit_mapping(child, 0, len(before.tiles), len(figure.tiles))
        if mapping is not None:
            diffs.append(unit_diff(figure, before, mapping))
    return diffs
