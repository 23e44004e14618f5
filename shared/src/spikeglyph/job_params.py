"""The parameters of each job kind, as the gateway validates them and the trainer reads them.

A ``train`` job's parameters are changes to the training recipe (:mod:`spikeglyph.recipe`):
unset means the recipe's value, and the documented defaults are read from the recipe.
``finetune`` and ``neurogenesis`` start from their base model's recipe; their parameters
choose only what those jobs change. Re-exported by :mod:`spikeglyph.schemas`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from spikeglyph.recipe import (
    FINETUNE,
    NEUROGENESIS,
    AnyRecipe,
    RecipeOverrides,
    default_text,
    recipe_defaults,
    resolve,
)
from spikeglyph.recipe.specs import ArchName, CurriculumName, DatasetName, EncoderName
from spikeglyph.recipe.stdp_specs import StdpGrowthName
from spikeglyph.schema_base import Schema, VersionName

GrowthName = Literal["saturation", "errors"]


def _recipe_field(name: str, what: str, **bounds: Any) -> Any:
    """A ``train`` parameter that overrides the recipe; its documented default is read from
    the recipe (``x-recipe-defaults``: by ``dataset/arch``)."""
    if name in ("dataset", "arch"):  # these choose the recipe
        default = f"Default: {default_text(name)}."
    else:
        default = f"Unset: the recipe's ({default_text(name)})."
    return Field(
        default=None,
        description=f"{what} {default}",
        json_schema_extra={"x-recipe-defaults": recipe_defaults(name)},
        **bounds,
    )


class TrainParams(Schema):
    """A ``train`` job: changes to the training recipe (:mod:`spikeglyph.recipe`). Every
    unset field takes the value of the shipped model's recipe for the chosen dataset and
    architecture; the new model's manifest records the full recipe."""

    dataset: DatasetName | None = _recipe_field("dataset", "Dataset to train on.")
    arch: ArchName | None = _recipe_field("arch", "conv, fc, or stdp (unsupervised STDP).")
    epochs: int | None = _recipe_field("epochs", "Training epochs.", ge=1, le=200)
    timesteps: int | None = _recipe_field("timesteps", "Time steps T.", ge=1, le=64)
    encoder: EncoderName | None = _recipe_field("encoder", "Input encoding (conv, fc).")
    max_samples: int | None = _recipe_field(
        "max_samples", "Train on this many images only.", ge=100
    )
    batch_size: int | None = _recipe_field("batch_size", "Batch size.", ge=1, le=4096)
    lr: float | None = _recipe_field("lr", "Peak learning rate (conv, fc).", gt=0, le=1.0)
    seed: int | None = _recipe_field("seed", "Seed of every random choice.")
    curriculum: CurriculumName | None = _recipe_field(
        "curriculum", "Training order (conv, fc): off (random) or teacher (easy first)."
    )
    growth: StdpGrowthName | None = _recipe_field(
        "growth",
        "stdp: off, or errors (start with start_neurons and grow neurons where the labelled "
        "errors are, up to the recipe's neurons; docs/RESEARCH.md, error-driven growth).",
    )
    start_neurons: int | None = _recipe_field(
        "start_neurons", "stdp with growth errors: neurons to start with.", ge=1, le=10000
    )
    activate: bool = Field(default=False, description="Activate the new version when done.")

    def overrides(self) -> RecipeOverrides:
        return RecipeOverrides.model_validate(self.model_dump(exclude={"activate"}))

    def recipe(self) -> AnyRecipe:
        """The full recipe this job trains (raises ``InvalidRecipe``)."""
        return resolve(self.overrides())

    @model_validator(mode="after")
    def _trainable(self) -> TrainParams:
        self.recipe()  # refused here, at submission, rather than in the worker
        return self


class FinetuneParams(Schema):
    """A ``finetune`` job: the base model's recipe, changed only as
    :data:`spikeglyph.recipe.FINETUNE` says and these fields choose."""

    base_version: VersionName | None = Field(
        default=None, description="Default: the active version."
    )
    epochs: int = Field(default=FINETUNE.epochs, ge=1, le=50)
    lr_factor: float = Field(
        default=FINETUNE.lr_factor, gt=0, le=1, description="Learning rate: the base's × this."
    )
    rehearsal_ratio: float = Field(default=4.0, ge=0, le=100, description="Replayed per feedback.")
    tolerance_points: float = Field(default=0.2, ge=0, le=100)
    max_val_samples: int | None = Field(default=None, ge=100)
    seed: int = 0


class NeurogenesisParams(Schema):
    """A ``neurogenesis`` job: prune and grow, then fine-tune with the base model's recipe,
    changed only as :data:`spikeglyph.recipe.NEUROGENESIS` says and these fields choose."""

    base_version: VersionName | None = None
    # Chosen on validation data by ``bench/bench_plasticity.py sweep`` (its rule and figures:
    # docs/bench/prune_sweep.json): the largest fraction that cost at most 0.3 points of
    # validation accuracy on both shipped models was 0.1 (Fashion-MNIST lost 0.74 at 0.2).
    prune_fraction: float = Field(
        default=0.1, ge=0, le=0.95, description="Share of each hidden layer's units removed."
    )
    grow_fraction: float = Field(
        default=0.05,
        ge=0,
        le=1.0,
        description="Units grown: with saturation, this share of each saturated layer; with "
        "errors, this share of all hidden units, in the one layer the errors point to.",
    )
    growth: GrowthName = Field(
        default="saturation",
        description="Where new units go. saturation: layers that fire near their limit, "
        "random weights. errors: the hidden layer where the gradient of the training errors "
        "concentrates, each new unit started from a misclassified image (fully-connected "
        "models only; docs/RESEARCH.md, error-driven growth).",
    )
    finetune_epochs: int = Field(default=NEUROGENESIS.epochs, ge=0, le=50)
    lr_factor: float = Field(
        default=NEUROGENESIS.lr_factor, gt=0, le=1, description="Learning rate: the base's × this."
    )
    max_samples: int | None = Field(
        default=None, ge=100, description="Fine-tuning images. Unset: the base recipe's."
    )
    seed: int = 0


class EvaluateParams(Schema):
    version: VersionName | None = Field(default=None, description="Default: the active version.")
    dataset: DatasetName | None = None
    split: Literal["val", "test"] = "test"
    max_samples: int | None = Field(default=None, ge=10)
