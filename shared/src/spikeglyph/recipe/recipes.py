"""The training recipes: everything that shapes a model, with the shipped models' as defaults.

A :class:`Recipe` (surrogate-gradient family) or :class:`StdpRecipe` (unsupervised STDP) is
the complete, JSON-able record of a training run: re-running it on the same software and
thread count reproduces the model. Every training default of SpikeGlyph is written here and
nowhere else; the CLI, the trainer's jobs and the benchmarks read them from these classes
and from :func:`default_recipe` / :func:`default_stdp_recipe`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from spikeglyph.recipe.specs import (
    ArchSpec,
    AugmentSpec,
    CurriculumSpec,
    DatasetName,
    EncoderSpec,
    default_arch,
)
from spikeglyph.recipe.stdp_specs import StdpGrowth, StdpSpec

DEFAULT_DATASET: DatasetName = "mnist"
DEFAULT_ARCH: Literal["conv"] = "conv"
DATASETS: tuple[DatasetName, ...] = ("mnist", "fashion-mnist")
# Backprop through time unrolls T steps: longer windows cost memory and ONNX graph size.
MAX_SURROGATE_TIMESTEPS = 64


@dataclass(frozen=True)
class DatasetDefaults:
    """Where the shipped recipes differ between datasets."""

    epochs: int
    augment: AugmentSpec


DATASET_DEFAULTS: dict[str, DatasetDefaults] = {
    # models/mnist: 20 epochs; digits get rotations, scaling, shear and stroke thickness.
    "mnist": DatasetDefaults(epochs=20, augment=AugmentSpec()),
    # models/fashion-mnist: garments are centred and upright: rotations, scaling and shear made
    # the network underfit (train accuracy barely above validation); mirror images and
    # whole-pixel shifts do not (docs/MODELS.md).
    "fashion-mnist": DatasetDefaults(
        epochs=30,
        augment=AugmentSpec(
            rotate_deg=0.0,
            scale=0.0,
            shear=0.0,
            shift_px=2.0,
            thicken_p=0.0,
            thin_p=0.0,
            hflip_p=0.5,
            whole_pixels=True,
        ),
    ),
}


class RecipeModel(BaseModel):
    """Immutable, strict about unknown fields, and JSON-able both ways."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls.model_validate(data)

    def with_changes(self, **changes: Any) -> Self:
        """A validated copy with ``changes`` (``model_copy(update=…)`` would skip validation)."""
        return type(self).model_validate({**self.to_dict(), **changes})

    def fingerprint(self) -> str:
        """Identifies the run a checkpoint belongs to (resume refuses a different recipe)."""
        blob = json.dumps(self._fingerprinted(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def _fingerprinted(self) -> dict[str, Any]:
        return self.to_dict()


class Recipe(RecipeModel):
    """A surrogate-gradient run: BPTT through T unrolled steps, AdamW with warm-up and cosine
    decay, label smoothing, an optional firing-rate penalty and augmentation; the epoch with
    the best validation accuracy is kept. Fields without a default depend on the dataset or
    the architecture: take them from :func:`default_recipe`."""

    family: Literal["surrogate"] = "surrogate"
    dataset: DatasetName
    arch: ArchSpec
    encoder: EncoderSpec = Field(default_factory=EncoderSpec)
    timesteps: int = Field(4, ge=1, le=MAX_SURROGATE_TIMESTEPS, description="Time steps T.")
    epochs: int = Field(ge=0, description="0 trains nothing (a neurogenesis without tuning).")
    batch_size: int = Field(128, ge=1)
    lr: float = Field(3e-3, gt=0, description="Peak AdamW learning rate.")
    weight_decay: float = Field(1e-4, ge=0, description="On weights only, not on decays.")
    warmup_frac: float = Field(0.05, ge=0, le=1, description="Linear warm-up, then cosine.")
    label_smoothing: float = Field(0.05, ge=0, lt=1)
    rate_reg: float = Field(0.0, ge=0, description="Mean-firing-rate penalty (energy-aware).")
    max_samples: int | None = Field(None, ge=1, description="Train on the first N only.")
    val_size: int = Field(5000, ge=1, description="Validation images carved from training.")
    seed: int = 0
    augment: AugmentSpec
    eval_batch_size: int = Field(500, ge=1)
    curriculum: CurriculumSpec = Field(default_factory=CurriculumSpec)

    def to_dict(self) -> dict[str, Any]:
        """Without ``curriculum`` while it is off: a recipe in random order reads as recipes did
        before curricula existed, so recorded recipes and their fingerprints stay the same."""
        data = super().to_dict()
        if data["curriculum"]["kind"] == "off":
            del data["curriculum"]
        return data

    @field_serializer("arch")
    def _arch_record(self, arch: ArchSpec) -> dict[str, Any]:
        """Through :meth:`ArchSpec.to_dict`, so a recipe without residual blocks (every model
        made before they existed) is recorded and fingerprinted exactly as it was."""
        return arch.to_dict()


class StdpRecipe(RecipeModel):
    """An unsupervised STDP run (Diehl & Cook 2015); the defaults are ``models/mnist-stdp``'s."""

    family: Literal["stdp"] = "stdp"
    dataset: DatasetName = DEFAULT_DATASET
    spec: StdpSpec = Field(default_factory=StdpSpec)
    epochs: int = Field(1, ge=1)
    batch_size: int = Field(16, ge=1)
    max_samples: int | None = Field(None, ge=1)
    seed: int = 0
    assign_samples: int = Field(10000, ge=10, description="Images whose answers label neurons.")
    val_size: int = Field(5000, ge=1)
    checkpoint_every: int = Field(100, ge=1, description="Batches between checkpoints.")
    growth: StdpGrowth = Field(default_factory=StdpGrowth)

    @model_validator(mode="after")
    def _growth_fits(self) -> Self:
        growth = self.growth
        if growth.kind != "off" and growth.start_neurons > self.spec.neurons:
            raise ValueError(
                f"start_neurons ({growth.start_neurons}) exceeds neurons "
                f"({self.spec.neurons}), the most a growing network reaches"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Without ``growth`` while it is off: a fixed-size recipe reads as recipes did before
        growth existed, so recorded recipes and their fingerprints stay the same."""
        data = super().to_dict()
        if data["growth"]["kind"] == "off":
            del data["growth"]
        return data

    def _fingerprinted(self) -> dict[str, Any]:
        data = self.to_dict()
        data.pop("checkpoint_every")  # how often to save does not change the run
        return data


AnyRecipe = Recipe | StdpRecipe


def default_augment(dataset: str) -> AugmentSpec:
    """The augmentation of ``dataset``'s recipe."""
    return DATASET_DEFAULTS[dataset].augment


def default_recipe(dataset: DatasetName = DEFAULT_DATASET, arch: str = DEFAULT_ARCH) -> Recipe:
    """The recipe of the shipped ``dataset`` model (``arch="fc"``: the same, fully connected)."""
    defaults = DATASET_DEFAULTS[dataset]
    return Recipe(
        dataset=dataset,
        arch=default_arch(arch),
        epochs=defaults.epochs,
        augment=defaults.augment,
    )


def default_stdp_recipe(dataset: DatasetName = DEFAULT_DATASET) -> StdpRecipe:
    """The recipe of the shipped STDP model, on ``dataset``."""
    return StdpRecipe(dataset=dataset)


def parse_recipe(data: dict[str, Any]) -> AnyRecipe:
    """A recipe from its JSON form; a record without ``family`` (an older manifest's
    ``training.config``) is an STDP one when it holds a ``spec``."""
    family = data.get("family", "stdp" if "spec" in data else "surrogate")
    if family == "stdp":
        return StdpRecipe.model_validate({**data, "family": "stdp"})
    return Recipe.model_validate({**data, "family": family})
