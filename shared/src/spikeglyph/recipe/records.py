"""A model's recipe as its manifest records it, and recipe files.

A manifest written now records ``training.recipe`` (and, for a model derived from another,
``training.derived_from``: the base version, the job and what it changed). Older manifests
recorded ``training.config``, the same fields without ``family``; models that neurogenesis
wrote before recipes existed recorded none, and get the default recipe of their dataset with
their own architecture, encoder and time steps.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spikeglyph.errors import InvalidModel, InvalidRecipe
from spikeglyph.modeldir import MANIFEST_NAME, Manifest, read_manifest
from spikeglyph.recipe.derive import recipe_changes
from spikeglyph.recipe.overrides import describe_error
from spikeglyph.recipe.recipes import (
    AnyRecipe,
    Recipe,
    default_recipe,
    default_stdp_recipe,
    parse_recipe,
)
from spikeglyph.recipe.specs import ArchSpec, EncoderSpec
from spikeglyph.recipe.stdp_specs import StdpSpec

log = logging.getLogger(__name__)


def recipe_of(manifest: Manifest) -> AnyRecipe:
    """The recipe that trained ``manifest``'s weights (raises ``InvalidModel``)."""
    training = manifest.training
    recorded = training.get("recipe", training.get("config"))
    try:
        if isinstance(recorded, dict):
            return parse_recipe(recorded)
        return _from_architecture(manifest)
    except (ValidationError, ValueError) as exc:
        reason = describe_error(exc) if isinstance(exc, ValidationError) else str(exc)
        raise InvalidModel(f"{manifest.version}: no usable training recipe: {reason}") from None


def surrogate_recipe_of(manifest: Manifest) -> Recipe:
    """:func:`recipe_of` a surrogate-gradient model."""
    recipe = recipe_of(manifest)
    if not isinstance(recipe, Recipe):
        raise InvalidModel(f"{manifest.version} was trained by {recipe.family}, not surrogate")
    return recipe


def _from_architecture(manifest: Manifest) -> AnyRecipe:
    log.info("%s records no recipe: the default one with its architecture", manifest.version)
    if manifest.family == "stdp":
        spec = StdpSpec.from_dict(manifest.architecture)
        return default_stdp_recipe(manifest.dataset).with_changes(spec=spec)
    if manifest.family != "surrogate":
        raise ValueError(f"a {manifest.family} model without a recorded recipe")
    arch = ArchSpec.from_dict(manifest.architecture)
    return default_recipe(manifest.dataset, arch.kind).with_changes(
        arch=arch, encoder=EncoderSpec(**manifest.encoder), timesteps=manifest.timesteps
    )


def load_recipe(path: Path) -> AnyRecipe:
    """The recipe of a model directory, of a ``manifest.json`` or of a recipe JSON file (as
    ``spikeglyph train --print-recipe`` writes it)."""
    path = Path(path)
    if path.is_dir():
        return recipe_of(read_manifest(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidRecipe(f"cannot read a recipe from {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRecipe(f"{path} holds no recipe (a JSON object)")
    if path.name == MANIFEST_NAME or {"version", "training"} <= data.keys():
        try:
            return recipe_of(Manifest.model_validate(data))
        except ValidationError as exc:
            raise InvalidRecipe(f"{path} is not a valid manifest: {describe_error(exc)}") from None
    try:
        return parse_recipe(data)
    except ValidationError as exc:
        raise InvalidRecipe(f"{path}: {describe_error(exc)}") from None


def training_record(
    recipe: AnyRecipe, *, device: str, history: list[dict[str, Any]] | None = None, **job: Any
) -> dict[str, Any]:
    """A manifest's ``training`` block: the full recipe, the device, the per-epoch history
    and whatever the job adds (its parameters, ``derived_from``)."""
    record: dict[str, Any] = {"recipe": recipe.to_dict(), "device": device}
    if history is not None:
        record["history"] = history
    return {**record, **job}


def derived_from(
    base_version: str, job: str, base: AnyRecipe, derived: AnyRecipe
) -> dict[str, Any]:
    """``training.derived_from`` of a model a job made from ``base_version``."""
    return {"version": base_version, "job": job, "changes": recipe_changes(base, derived)}
