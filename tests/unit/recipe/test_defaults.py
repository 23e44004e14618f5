"""The recipe's defaults are the shipped models' recipes, per dataset where they differ."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from spikeglyph.modeldir import read_manifest
from spikeglyph.recipe import (
    Recipe,
    StdpRecipe,
    default_augment,
    default_recipe,
    default_stdp_recipe,
)
from spikeglyph.recipe.records import recipe_of

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_the_default_recipe_of_a_dataset_is_its_shipped_models(dataset: str) -> None:
    shipped = recipe_of(read_manifest(REPO / "models" / dataset))
    assert default_recipe(dataset) == shipped  # type: ignore[arg-type]


def test_the_default_stdp_recipe_is_the_shipped_stdp_models() -> None:
    assert default_stdp_recipe() == recipe_of(read_manifest(REPO / "models" / "mnist-stdp"))


def test_garments_get_no_rotation_scaling_or_shear_and_train_longer() -> None:
    digits, garments = default_recipe("mnist"), default_recipe("fashion-mnist")
    assert digits.augment.rotate_deg > 0 and digits.augment.shear > 0
    assert garments.augment == default_augment("fashion-mnist")
    assert garments.augment.rotate_deg == garments.augment.scale == garments.augment.shear == 0
    assert garments.augment.hflip_p > 0 and garments.epochs > digits.epochs


def test_fc_recipes_differ_from_conv_ones_only_in_the_architecture() -> None:
    conv, fc = default_recipe("mnist", "conv"), default_recipe("mnist", "fc")
    assert fc.arch.kind == "fc" and fc.arch.channels == () and fc.arch.hidden
    assert fc.with_changes(arch=conv.arch) == conv


def test_a_recipe_has_no_silent_defaults_where_datasets_differ() -> None:
    with pytest.raises(ValidationError) as caught:
        Recipe(dataset="fashion-mnist")  # type: ignore[call-arg]
    missing = {error["loc"][0] for error in caught.value.errors()}
    assert missing == {"arch", "epochs", "augment"}


def test_a_recipe_round_trips_through_json_and_is_immutable() -> None:
    recipe = default_recipe("fashion-mnist", "fc")
    assert Recipe.from_dict(recipe.to_dict()) == recipe
    assert recipe.with_changes(epochs=3).epochs == 3 and recipe.epochs == 30
    with pytest.raises(ValidationError):
        recipe.epochs = 3  # type: ignore[misc]


def test_with_changes_validates_what_it_changes() -> None:
    with pytest.raises(ValidationError, match="timesteps"):
        default_recipe().with_changes(timesteps=65)
    with pytest.raises(ValidationError, match="surrogate"):
        default_recipe().with_changes(
            arch={**default_recipe().arch.to_dict(), "neuron": {"surrogate": "boxcar"}}
        )


def test_the_fingerprint_tells_runs_apart_but_not_checkpoint_frequency() -> None:
    assert default_recipe().fingerprint() == default_recipe().fingerprint()
    assert default_recipe().fingerprint() != default_recipe().with_changes(seed=1).fingerprint()
    stdp = default_stdp_recipe()
    assert stdp.with_changes(checkpoint_every=7).fingerprint() == stdp.fingerprint()


def test_a_recipe_without_growth_records_and_fingerprints_as_before_growth_existed() -> None:
    stdp = default_stdp_recipe()
    assert "growth" not in stdp.to_dict()
    grown = stdp.with_changes(growth={"kind": "errors", "start_neurons": 20})
    assert grown.to_dict()["growth"]["start_neurons"] == 20
    assert grown.fingerprint() != stdp.fingerprint()
    assert StdpRecipe.from_dict(grown.to_dict()) == grown
