"""One weight figure: a stack of same-sized tiles on one colour scale, with what a reader
needs to understand it (a title, a text alternative, per-tile labels and marks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# What a tile of a difference view can be marked as (None: a unit present in both versions).
GROWN = "grown"
PRUNED = "pruned"


@dataclass(frozen=True)
class Figure:
    """Tiles ``[N, h, w]`` of one layer's weights (or of a quantity derived from them).

    ``labels`` name each tile where a name means something (an STDP neuron's assigned class);
    ``marks`` flag tiles of a difference view (:data:`GROWN`, :data:`PRUNED`). ``signed`` is
    False for non-negative weights (STDP), drawn on the white-to-red half of the scale.
    """

    name: str
    title: str
    description: str
    tiles: np.ndarray
    labels: tuple[str, ...] | None = None
    marks: tuple[str | None, ...] | None = None
    signed: bool = True
    columns: int | None = None

    def __post_init__(self) -> None:
        if self.tiles.ndim != 3 or self.tiles.shape[0] == 0:
            raise ValueError(
                f"figure {self.name}: tiles [N, h, w] expected, got {self.tiles.shape}"
            )
        for extra in (self.labels, self.marks):
            if extra is not None and len(extra) != self.tiles.shape[0]:
                raise ValueError(f"figure {self.name}: one label or mark per tile expected")

    @property
    def limit(self) -> float:
        """The colour scale's bound: the largest absolute value (1 for an all-zero figure)."""
        bound = float(np.abs(self.tiles).max())
        return bound if bound > 0 else 1.0
