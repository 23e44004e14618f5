"""A model's recipe from its manifest: new ones, older ``training.config`` ones (converted) and
ones that recorded none; recipe files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spikeglyph.errors import InvalidModel, InvalidRecipe, ModelNotFound
from spikeglyph.modeldir import Manifest, read_manifest
from spikeglyph.recipe import (
    ArchSpec,
    Recipe,
    StdpRecipe,
    default_recipe,
    default_stdp_recipe,
    finetune_recipe,
)
from spikeglyph.recipe.records import derived_from, load_recipe, recipe_of, training_record

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "models"


def _manifest(training: dict[str, Any], **fields: Any) -> Manifest:
    values: dict[str, Any] = {
        "version": "m-1",
        "dataset": "fashion-mnist",
        "class_names": [str(i) for i in range(10)],
        "architecture": {"kind": "fc", "hidden": [64]},
        "encoder": {"kind": "rate", "seed": 3, "gain": 1.0},
        "timesteps": 6,
        "training": training,
        **fields,
    }
    return Manifest.model_validate(values)


def test_an_older_manifests_training_config_is_converted() -> None:
    raw = json.loads((SHIPPED / "fashion-mnist" / "manifest.json").read_text())
    assert "config" in raw["training"] and "recipe" not in raw["training"]
    recipe = recipe_of(read_manifest(SHIPPED / "fashion-mnist"))
    assert isinstance(recipe, Recipe)
    assert {k: v for k, v in recipe.to_dict().items() if k != "family"} == raw["training"]["config"]


def test_an_older_stdp_config_is_converted() -> None:
    raw = json.loads((SHIPPED / "mnist-stdp" / "manifest.json").read_text())
    recipe = recipe_of(read_manifest(SHIPPED / "mnist-stdp"))
    assert isinstance(recipe, StdpRecipe)
    assert {k: v for k, v in recipe.to_dict().items() if k != "family"} == raw["training"]["config"]


def test_a_recorded_recipe_is_read_as_recorded() -> None:
    recipe = default_recipe("fashion-mnist", "fc").with_changes(epochs=3, lr=1e-3)
    assert recipe_of(_manifest(training_record(recipe, device="cpu"))) == recipe


def test_a_model_without_a_recorded_recipe_gets_its_datasets_with_its_own_network() -> None:
    recipe = recipe_of(_manifest({"neurogenesis": {"prune_fraction": 0.3}}))
    assert isinstance(recipe, Recipe)
    assert recipe.arch == ArchSpec(kind="fc", channels=(), hidden=(64,))
    assert recipe.encoder.kind == "rate" and recipe.encoder.seed == 3 and recipe.timesteps == 6
    assert recipe.augment == default_recipe("fashion-mnist").augment
    stdp = recipe_of(
        _manifest({}, family="stdp", architecture={"kind": "stdp", "neurons": 12}, timesteps=20)
    )
    assert stdp == default_stdp_recipe("fashion-mnist").with_changes(
        spec={**default_stdp_recipe().spec.to_dict(), "neurons": 12}
    )


def test_an_unusable_recorded_recipe_is_an_invalid_model() -> None:
    with pytest.raises(InvalidModel, match="m-1"):
        recipe_of(_manifest({"recipe": {"dataset": "mnist", "epochs": "many"}}))
    with pytest.raises(InvalidModel, match="fixed-point"):
        recipe_of(_manifest({}, family="fixed-point"))


def test_a_recipe_loads_from_a_model_directory_its_manifest_or_a_recipe_file(
    tmp_path: Path,
) -> None:
    shipped = recipe_of(read_manifest(SHIPPED / "mnist"))
    assert load_recipe(SHIPPED / "mnist") == shipped
    assert load_recipe(SHIPPED / "mnist" / "manifest.json") == shipped
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(default_stdp_recipe().to_dict()))
    assert load_recipe(path) == default_stdp_recipe()


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "cannot read"), ("[1, 2]", "no recipe"), ('{"epochs": 1}', "dataset")],
)
def test_a_file_that_holds_no_recipe_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "recipe.json"
    path.write_text(content)
    with pytest.raises(InvalidRecipe, match=message):
        load_recipe(path)


def test_a_missing_recipe_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidRecipe, match="cannot read"):
        load_recipe(tmp_path / "absent.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFound):
        load_recipe(tmp_path / "empty")


def test_a_derived_model_records_its_base_and_every_change() -> None:
    base = default_recipe("fashion-mnist")
    derived = finetune_recipe(base, epochs=2, lr_factor=0.1, seed=0, examples=1000)
    record = training_record(
        derived, device="cpu", derived_from=derived_from("base-1", "finetune", base, derived)
    )
    assert record["recipe"] == derived.to_dict()
    assert record["derived_from"]["version"] == "base-1"
    assert record["derived_from"]["changes"] == {
        "batch_size": {"from": 128, "to": 64},
        "epochs": {"from": 30, "to": 2},
        "lr": {"from": 0.003, "to": 0.0003},
        "warmup_frac": {"from": 0.05, "to": 0.0},
    }
