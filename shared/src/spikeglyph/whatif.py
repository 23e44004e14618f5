"""What-if requests: the knobs a person may turn on one prediction, their ranges, the answer.

Every range is declared once here; a knob outside its range is refused with a message that
names the knob and the range (422 at the API), never clamped. ``None`` means "as the model was
trained": its number of time steps, its encoder and its encoder's seed.

The perturbations act on the 28×28 image the network sees (after :mod:`spikeglyph.preprocess`):
Gaussian noise of standard deviation ``noise`` (in ink units, the result clipped to [0, 1],
drawn with ``seed``), then an occluding rectangle set to paper (0) in those 28×28 pixels; they
are applied by :func:`spikeglyph.whatif_image.perturb` (NumPy), this module only describes them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from spikeglyph.recipe.specs import EncoderName
from spikeglyph.schema_base import Schema
from spikeglyph.schemas import Prediction

MAX_TIMESTEPS = 16
"""Steps the what-if graph unrolls: the most a request may ask for."""
THRESHOLD_SCALE_RANGE = (0.25, 4.0)
TIMESTEPS_RANGE = (1, MAX_TIMESTEPS)
SEED_RANGE = (0, 2**31 - 1)
NOISE_RANGE = (0.0, 1.0)
SIDE = 28


def _in_range(name: str, bounds: tuple[float, float]) -> AfterValidator:
    low, high = bounds

    def check(value: Any) -> Any:
        if value is not None and not low <= value <= high:
            raise ValueError(f"{name} must be between {_number(low)} and {_number(high)}")
        return value

    return AfterValidator(check)


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _bounds(bounds: tuple[float, float]) -> dict[str, Any]:
    return {"minimum": bounds[0], "maximum": bounds[1]}


ThresholdScale = Annotated[
    float,
    _in_range("threshold_scale", THRESHOLD_SCALE_RANGE),
    Field(
        description="Multiplies the firing threshold of every spiking neuron (hidden and output).",
        json_schema_extra=_bounds(THRESHOLD_SCALE_RANGE),
    ),
]
Timesteps = Annotated[
    int | None,
    _in_range("timesteps", TIMESTEPS_RANGE),
    Field(
        description="Time steps to run; null: the model's own.",
        json_schema_extra=_bounds(TIMESTEPS_RANGE),
    ),
]
Seed = Annotated[
    int | None,
    _in_range("seed", SEED_RANGE),
    Field(
        description="Seed of the rate encoder and of the noise; null: the model's encoder seed.",
        json_schema_extra=_bounds(SEED_RANGE),
    ),
]
Noise = Annotated[
    float,
    _in_range("noise", NOISE_RANGE),
    Field(
        description="Standard deviation of Gaussian noise added to the 28×28 input (ink = 1).",
        json_schema_extra=_bounds(NOISE_RANGE),
    ),
]
PIXEL = Field(json_schema_extra={"minimum": 0, "maximum": SIDE - 1})
EXTENT = Field(json_schema_extra={"minimum": 1, "maximum": SIDE})


class Occlusion(Schema):
    """A rectangle of the 28×28 input set to paper: columns x…x+width−1, rows y…y+height−1."""

    x: Annotated[int, _in_range("occlusion.x", (0, SIDE - 1)), PIXEL]
    y: Annotated[int, _in_range("occlusion.y", (0, SIDE - 1)), PIXEL]
    width: Annotated[int, _in_range("occlusion.width", (1, SIDE)), EXTENT]
    height: Annotated[int, _in_range("occlusion.height", (1, SIDE)), EXTENT]

    @model_validator(mode="after")
    def _inside(self) -> Occlusion:
        if self.x + self.width > SIDE or self.y + self.height > SIDE:
            raise ValueError(f"occlusion must lie inside the {SIDE}×{SIDE} input")
        return self


class WhatIfKnobs(Schema):
    """The knobs; every one left out keeps the model's own setting."""

    threshold_scale: ThresholdScale = 1.0
    timesteps: Timesteps = None
    encoder: EncoderName | None = Field(
        default=None, description="direct | rate | latency; null: the model's own."
    )
    seed: Seed = None
    noise: Noise = 0.0
    occlusion: Occlusion | None = None


class WhatIfRequest(WhatIfKnobs):
    """JSON body of ``POST /api/v1/predict/whatif``: an image and the knobs."""

    image: str = Field(
        max_length=16 * 1024 * 1024,
        description="A data URL (data:image/png;base64,...) or plain base64 image bytes.",
        examples=["data:image/png;base64,iVBORw0KGgo..."],
    )


class ResolvedKnobs(Schema):
    """The knobs as they were applied (the model's own values filled in)."""

    threshold_scale: float
    timesteps: int
    encoder: EncoderName
    seed: int
    noise: float
    occlusion: Occlusion | None = None


class WhatIfAnswer(Schema):
    """The same drawing answered twice by the what-if graph: with the model's own settings
    and with the knobs turned."""

    baseline: Prediction = Field(description="The model's own settings, no perturbation.")
    whatif: Prediction = Field(description="The knobs applied.")
    baseline_knobs: ResolvedKnobs
    knobs: ResolvedKnobs


def resolve(knobs: WhatIfKnobs, manifest_encoder: dict[str, Any], timesteps: int) -> ResolvedKnobs:
    """Fill in the model's own settings for every knob left out."""
    return ResolvedKnobs(
        threshold_scale=knobs.threshold_scale,
        timesteps=knobs.timesteps if knobs.timesteps is not None else timesteps,
        encoder=knobs.encoder or manifest_encoder.get("kind", "direct"),
        seed=knobs.seed if knobs.seed is not None else int(manifest_encoder.get("seed", 0)),
        noise=knobs.noise,
        occlusion=knobs.occlusion,
    )
