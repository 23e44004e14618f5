"""The recipes of ``finetune`` and ``neurogenesis``: their base model's, changed only where
the job must.

Both start from the recipe that made the base model (its dataset's augmentation included, so
a Fashion-MNIST model is never fine-tuned on digit rotations) and change the few fields the
rules below name. :func:`recipe_changes` lists what changed, for the new model's manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spikeglyph.recipe.recipes import AnyRecipe, Recipe
from spikeglyph.recipe.specs import ArchSpec


@dataclass(frozen=True)
class FinetuneRule:
    """How a ``finetune`` job trains: a few epochs on the feedback mixed with replayed
    training images, at a fraction of the base learning rate and without warm-up (the weights
    are trained already), in batches of at most ``max_batch_size`` (the mix is small)."""

    epochs: int = 2
    lr_factor: float = 0.1
    warmup_frac: float = 0.0
    max_batch_size: int = 64


@dataclass(frozen=True)
class NeurogenesisRule:
    """How a ``neurogenesis`` job fine-tunes the pruned and grown network: two epochs (one
    left the shipped MNIST model 0.32 points down, two 0.25: docs/BENCHMARKS.md), a fraction
    of the base learning rate without warm-up, and a firing-rate penalty that keeps the
    savings in synaptic operations (energy-aware fine-tuning)."""

    epochs: int = 2
    lr_factor: float = 0.2
    warmup_frac: float = 0.0
    rate_reg: float = 0.2


FINETUNE = FinetuneRule()
NEUROGENESIS = NeurogenesisRule()


def scaled_lr(lr: float, factor: float) -> float:
    """``lr × factor`` to 12 significant digits, so a recorded recipe reads 0.0003, not
    0.00030000000000000003."""
    return float(f"{lr * factor:.12g}")


def finetune_recipe(
    base: Recipe, *, epochs: int, lr_factor: float, seed: int, examples: int
) -> Recipe:
    """The recipe of fine-tuning on ``examples`` mixed images (feedback and replay)."""
    return base.with_changes(
        epochs=epochs,
        lr=scaled_lr(base.lr, lr_factor),
        warmup_frac=FINETUNE.warmup_frac,
        batch_size=max(1, min(FINETUNE.max_batch_size, base.batch_size, examples)),
        max_samples=None,  # the mix is the training set: a quick base's limit would cut it
        seed=seed,
    )


def neurogenesis_recipe(
    base: Recipe,
    *,
    arch: ArchSpec,
    epochs: int,
    lr_factor: float,
    seed: int,
    max_samples: int | None,
) -> Recipe:
    """The recipe of fine-tuning the rebuilt network ``arch`` (``max_samples`` None: the
    base's)."""
    return base.with_changes(
        arch=arch,
        epochs=epochs,
        lr=scaled_lr(base.lr, lr_factor),
        warmup_frac=NEUROGENESIS.warmup_frac,
        rate_reg=NEUROGENESIS.rate_reg,
        max_samples=base.max_samples if max_samples is None else max_samples,
        seed=seed,
    )


def recipe_changes(base: AnyRecipe, derived: AnyRecipe) -> dict[str, dict[str, Any]]:
    """``{"lr": {"from": 0.003, "to": 0.0003}, "arch.hidden": …}``: every field that differs."""
    before, after = _flat(base.to_dict()), _flat(derived.to_dict())
    return {
        key: {"from": before.get(key), "to": after.get(key)}
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
