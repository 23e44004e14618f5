"""finetune and neurogenesis recipes: the base's, changed only where the job must."""

from __future__ import annotations

from spikeglyph.recipe import (
    FINETUNE,
    NEUROGENESIS,
    default_recipe,
    finetune_recipe,
    neurogenesis_recipe,
    recipe_changes,
)
from spikeglyph.schemas import FinetuneParams, NeurogenesisParams


def test_finetuning_keeps_the_base_augmentation_and_everything_but_its_rule() -> None:
    base = default_recipe("fashion-mnist").with_changes(max_samples=2000, weight_decay=0.0)
    recipe = finetune_recipe(base, epochs=3, lr_factor=0.1, seed=4, examples=40)
    assert recipe.augment == base.augment and recipe.weight_decay == 0.0
    assert recipe.lr == 0.0003 and recipe.warmup_frac == FINETUNE.warmup_frac
    assert recipe.batch_size == 40  # no larger than the mix
    assert set(recipe_changes(base, recipe)) == {
        "epochs", "lr", "warmup_frac", "batch_size", "seed", "max_samples",
    }  # fmt: skip


def test_neurogenesis_fine_tunes_the_rebuilt_network_with_the_firing_penalty() -> None:
    base = default_recipe("fashion-mnist")
    arch = base.arch.with_widths((12, 30), (180,))
    recipe = neurogenesis_recipe(base, arch=arch, epochs=2, lr_factor=0.2, seed=0, max_samples=None)
    assert recipe.arch == arch and recipe.augment == base.augment
    assert recipe.rate_reg == NEUROGENESIS.rate_reg and recipe.lr == 0.0006
    assert set(recipe_changes(base, recipe)) == {
        "arch.channels", "arch.hidden", "epochs", "lr", "warmup_frac", "rate_reg",
    }  # fmt: skip
    capped = neurogenesis_recipe(base, arch=arch, epochs=0, lr_factor=0.2, seed=0, max_samples=500)
    assert capped.max_samples == 500 and capped.epochs == 0


def test_the_job_parameters_defaults_are_the_rules() -> None:
    assert FinetuneParams().epochs == FINETUNE.epochs
    assert FinetuneParams().lr_factor == FINETUNE.lr_factor
    assert NeurogenesisParams().finetune_epochs == NEUROGENESIS.epochs
    assert NeurogenesisParams().lr_factor == NEUROGENESIS.lr_factor
