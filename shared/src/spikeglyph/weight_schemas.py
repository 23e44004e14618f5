"""The weight figures as the API answers them (``GET /api/v1/models/{version}/weights``).

Outside :mod:`spikeglyph.weightviews` (which computes the figures with NumPy and Pillow) so
the gateway can document and relay the answer without either. Tile values travel as int8
(-127..127 of the figure's ``limit``), base64-encoded: the
400 STDP tiles are 314 KB instead of megabytes of JSON numbers, and a colour map has far
fewer than 255 distinguishable steps anyway.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class WeightFigure(BaseModel):
    name: str = Field(description="conv1, conv2, sta, fc1 or exc (the layer drawn).")
    title: str
    description: str = Field(description="A text alternative: what the figure shows.")
    count: int = Field(description="Number of tiles.")
    height: int
    width: int
    columns: int = Field(description="Tiles per row of the grid.")
    limit: float = Field(description="The colour scale's bound: ±limit at its ends.")
    signed: bool = Field(description="False: non-negative weights, white to red.")
    values: str = Field(
        description="base64 of int8 [count, height, width]: value = byte / 127 × limit."
    )
    labels: list[str] | None = Field(default=None, description="One label per tile.")
    marks: list[str | None] | None = Field(
        default=None, description="Difference views: 'grown', 'pruned' or null per tile."
    )
    png: str = Field(description="Where the same figure is served as a PNG.")


class WeightFigures(BaseModel):
    version: str
    parent: str | None = Field(description="The version this one was derived from, if any.")
    kind: str = Field(description="conv, fc or stdp.")
    diff: bool = Field(description="True: changes against `parent`, not the weights.")
    figures: list[WeightFigure]
    notes: list[str] = Field(default_factory=list, description="What is not shown, and why.")
