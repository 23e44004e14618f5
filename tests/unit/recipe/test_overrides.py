"""Overrides change only the fields they name; what cannot apply is refused, not ignored."""

from __future__ import annotations

import pytest

from spikeglyph.errors import InvalidRecipe
from spikeglyph.recipe import (
    Recipe,
    RecipeOverrides,
    StdpRecipe,
    default_recipe,
    default_stdp_recipe,
    default_text,
    recipe_changes,
    recipe_defaults,
    resolve,
)


def _resolve(base: Recipe | StdpRecipe | None = None, **given: object) -> Recipe | StdpRecipe:
    return resolve(RecipeOverrides.model_validate(given), base)


def test_no_override_is_the_default_recipe() -> None:
    assert _resolve() == default_recipe()
    assert _resolve(dataset="fashion-mnist") == default_recipe("fashion-mnist")
    assert _resolve(arch="fc") == default_recipe("mnist", "fc")
    assert _resolve(arch="stdp", dataset="fashion-mnist") == default_stdp_recipe("fashion-mnist")


def test_overrides_change_only_their_fields() -> None:
    recipe = _resolve(dataset="fashion-mnist", epochs=3, tau=3.0, augment=False, channels=(8,))
    assert isinstance(recipe, Recipe)
    changes = recipe_changes(default_recipe("fashion-mnist"), recipe)
    assert set(changes) == {"epochs", "arch.neuron.tau_init", "augment.enabled", "arch.channels"}
    assert recipe.augment.hflip_p == 0.5  # the garments' augmentation, switched off


def test_the_seed_also_seeds_the_encoder_and_the_stdp_noise_table() -> None:
    surrogate = _resolve(seed=5)
    stdp = _resolve(arch="stdp", seed=5)
    assert isinstance(surrogate, Recipe) and isinstance(stdp, StdpRecipe)
    assert surrogate.seed == surrogate.encoder.seed == 5
    assert stdp.seed == stdp.spec.noise_seed == 5


def test_a_base_recipe_keeps_everything_not_overridden() -> None:
    base = default_recipe("fashion-mnist").with_changes(lr=1e-3, epochs=7)
    recipe = _resolve(base, epochs=2, dataset="mnist")
    assert recipe == base.with_changes(epochs=2, dataset="mnist")  # only what was asked


def test_another_architecture_kind_starts_from_its_default_with_the_base_neurons() -> None:
    base = _resolve(tau=4.0)
    recipe = _resolve(base, arch="fc")
    assert isinstance(recipe, Recipe)
    assert recipe.arch.kind == "fc" and recipe.arch.hidden == (512,)
    assert recipe.arch.neuron.tau_init == 4.0


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"arch": "fc", "channels": (4,)}, "channels cannot be set for fc"),
        ({"arch": "fc", "pool": "current"}, "pool cannot be set for fc"),
        ({"neurons": 100}, "neurons cannot be set for surrogate"),
        ({"arch": "stdp", "lr": 0.1}, "lr cannot be set for stdp"),
        ({"arch": "stdp", "augment": False}, "augment cannot be set for stdp"),
        ({"timesteps": 65}, "timesteps"),
        ({"surrogate": "boxcar"}, "unknown surrogate"),
        ({"tau": 1.0}, "tau_init must be > 1"),
        ({"hidden": (), "arch": "fc"}, "at least one hidden layer"),
    ],
)
def test_impossible_overrides_are_refused_with_a_clear_message(
    given: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRecipe, match=message):
        _resolve(**given)


def test_a_recipe_of_one_family_cannot_become_the_other() -> None:
    with pytest.raises(InvalidRecipe, match="stdp recipe"):
        _resolve(default_stdp_recipe(), arch="conv")
    with pytest.raises(InvalidRecipe, match="surrogate recipe"):
        _resolve(default_recipe(), arch="stdp")
    assert isinstance(_resolve(default_stdp_recipe(), epochs=2), StdpRecipe)


def test_documented_defaults_are_read_from_the_recipes() -> None:
    epochs = recipe_defaults("epochs")
    assert epochs["mnist/conv"] == default_recipe("mnist").epochs
    assert epochs["fashion-mnist/fc"] == default_recipe("fashion-mnist", "fc").epochs
    assert epochs["mnist/stdp"] == default_stdp_recipe().epochs
    assert default_text("epochs") == (
        f"mnist {default_recipe('mnist').epochs}, "
        f"fashion-mnist {default_recipe('fashion-mnist').epochs}; "
        f"stdp {default_stdp_recipe().epochs}"
    )
    assert default_text("hidden") == "conv 256, fc 512"
    assert default_text("lr") == str(default_recipe().lr)
    assert default_text("neurons") == str(default_stdp_recipe().spec.neurons)
    assert default_text("dataset") == "mnist" and default_text("max_samples") == "all"
