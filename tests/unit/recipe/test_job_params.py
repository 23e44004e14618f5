"""A ``train`` job's parameters are recipe overrides: unset means the recipe's value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spikeglyph.recipe import Recipe, StdpRecipe, default_recipe, default_stdp_recipe
from spikeglyph.schemas import JobKind, JobSubmit, TrainParams


def test_an_empty_train_job_trains_the_shipped_recipe() -> None:
    assert TrainParams().recipe() == default_recipe()
    assert TrainParams(dataset="fashion-mnist").recipe() == default_recipe("fashion-mnist")
    assert TrainParams(arch="stdp").recipe() == default_stdp_recipe()


def test_set_parameters_change_only_their_fields() -> None:
    recipe = TrainParams(dataset="fashion-mnist", epochs=2, lr=1e-3, max_samples=1000).recipe()
    assert isinstance(recipe, Recipe)
    assert recipe == default_recipe("fashion-mnist").with_changes(
        epochs=2, lr=1e-3, max_samples=1000
    )


def test_stored_parameters_validate_again_to_the_same_recipe() -> None:
    """The gateway stores ``model_dump(mode="json")`` (unset fields as null); the worker
    validates that again."""
    submitted = JobSubmit(kind=JobKind.train, params={"dataset": "fashion-mnist", "epochs": 3})
    stored = submitted.typed_params().model_dump(mode="json")
    assert stored["lr"] is None
    again = TrainParams.model_validate(stored)
    assert again.recipe() == TrainParams(dataset="fashion-mnist", epochs=3).recipe()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"arch": "stdp", "lr": 0.01}, "lr cannot be set for stdp"),
        ({"arch": "stdp", "encoder": "rate"}, "encoder cannot be set for stdp"),
        ({"epochs": 0}, "epochs"),
        ({"timesteps": 65}, "timesteps"),
        ({"depth": 3}, "depth"),
        ({"arch": "conv", "growth": "errors"}, "growth cannot be set for surrogate"),
        ({"arch": "stdp", "growth": "sometimes"}, "growth"),
        ({"arch": "stdp", "start_neurons": 20}, "start_neurons needs growth errors"),
        ({"arch": "stdp", "growth": "errors", "start_neurons": 401}, r"exceeds neurons \(400\)"),
    ],
)
def test_impossible_jobs_are_refused_when_submitted(
    params: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        JobSubmit(kind=JobKind.train, params=params).typed_params()


def test_the_schema_documents_the_recipes_defaults() -> None:
    epochs = TrainParams.model_json_schema()["properties"]["epochs"]
    assert epochs["x-recipe-defaults"]["mnist/conv"] == default_recipe("mnist").epochs
    assert (
        epochs["x-recipe-defaults"]["fashion-mnist/conv"] == default_recipe("fashion-mnist").epochs
    )
    assert f"fashion-mnist {default_recipe('fashion-mnist').epochs}" in epochs["description"]


def test_a_stdp_job_can_grow_from_its_errors() -> None:
    params = JobSubmit(
        kind=JobKind.train, params={"arch": "stdp", "growth": "errors", "start_neurons": 40}
    ).typed_params()
    assert isinstance(params, TrainParams)
    recipe = TrainParams.model_validate(params.model_dump(mode="json")).recipe()
    assert isinstance(recipe, StdpRecipe)
    assert recipe.growth.kind == "errors" and recipe.growth.start_neurons == 40
    assert recipe.spec.neurons == default_stdp_recipe().spec.neurons  # the cap
    schema = TrainParams.model_json_schema()["properties"]
    assert schema["growth"]["x-recipe-defaults"]["mnist/stdp"] == "off"
    assert schema["start_neurons"]["x-recipe-defaults"]["mnist/stdp"] == 10
