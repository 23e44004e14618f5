"""Changes to a recipe from the command line or a ``train`` job: unset means the recipe's.

:func:`resolve` starts from a base recipe (a recorded one, or the default recipe of the chosen
dataset and architecture) and replaces only what an override sets. :data:`OVERRIDE_PATHS`
says which recipe field each override sets; :func:`recipe_defaults` reads the same fields of
the default recipes, so the CLI's ``--help`` and the job schema show the recipe's values
instead of restating them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError

from spikeglyph.errors import InvalidRecipe
from spikeglyph.recipe.recipes import (
    DATASETS,
    DEFAULT_ARCH,
    DEFAULT_DATASET,
    AnyRecipe,
    Recipe,
    RecipeModel,
    StdpRecipe,
    default_recipe,
    default_stdp_recipe,
)
from spikeglyph.recipe.specs import (
    MAX_RESIDUAL,
    ArchName,
    CurriculumName,
    DatasetName,
    EncoderName,
    default_arch,
)
from spikeglyph.recipe.stdp_specs import StdpGrowthName


class RecipeOverrides(RecipeModel):
    """Values that replace a recipe's; ``None`` keeps the recipe's value."""

    dataset: DatasetName | None = None
    arch: ArchName | None = None
    epochs: int | None = Field(None, ge=1)
    timesteps: int | None = Field(None, ge=1)
    encoder: EncoderName | None = None
    max_samples: int | None = Field(None, ge=1)
    batch_size: int | None = Field(None, ge=1)
    lr: float | None = Field(None, gt=0)
    seed: int | None = None
    channels: tuple[int, ...] | None = None
    hidden: tuple[int, ...] | None = None
    pool: Literal["spikes", "current"] | None = None
    residual: int | None = Field(None, ge=0, le=MAX_RESIDUAL)
    surrogate: str | None = None
    tau: float | None = None
    adaptive: bool | None = None
    rate_reg: float | None = Field(None, ge=0)
    augment: bool | None = None
    neurons: int | None = Field(None, ge=1)
    stdp_rule: Literal["pair", "triplet"] | None = None
    max_rate: float | None = Field(None, ge=1.0)
    curriculum: CurriculumName | None = None
    growth: StdpGrowthName | None = None
    start_neurons: int | None = Field(None, ge=1)

    def given(self) -> dict[str, Any]:
        """The overrides that are set."""
        return {name: value for name, value in self if value is not None}


# override → (the recipe fields it sets in a surrogate recipe, in an STDP recipe); an empty
# tuple: the override means nothing to that family and is refused. ``dataset`` and ``arch``
# also choose the base recipe when there is none.
OVERRIDE_PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dataset": (("dataset",), ("dataset",)),
    "epochs": (("epochs",), ("epochs",)),
    "timesteps": (("timesteps",), ("spec.timesteps",)),
    "batch_size": (("batch_size",), ("batch_size",)),
    "max_samples": (("max_samples",), ("max_samples",)),
    "seed": (("seed", "encoder.seed"), ("seed", "spec.noise_seed")),
    "encoder": (("encoder.kind",), ()),
    "lr": (("lr",), ()),
    "channels": (("arch.channels",), ()),
    "hidden": (("arch.hidden",), ()),
    "pool": (("arch.pool",), ()),
    "residual": (("arch.residual",), ()),
    "surrogate": (("arch.neuron.surrogate",), ()),
    "tau": (("arch.neuron.tau_init",), ()),
    "adaptive": (("arch.neuron.adaptive",), ()),
    "rate_reg": (("rate_reg",), ()),
    "augment": (("augment.enabled",), ()),
    "curriculum": (("curriculum.kind",), ()),
    "neurons": ((), ("spec.neurons",)),
    "stdp_rule": ((), ("spec.rule.kind",)),
    "max_rate": ((), ("spec.max_rate_hz",)),
    "growth": ((), ("growth.kind",)),
    "start_neurons": ((), ("growth.start_neurons",)),
}
CONV_ONLY = ("channels", "pool", "residual")


def resolve(overrides: RecipeOverrides, base: AnyRecipe | None = None) -> AnyRecipe:
    """``base`` (default: the recipe of the chosen dataset and architecture) with
    ``overrides`` applied; raises :class:`~spikeglyph.errors.InvalidRecipe`."""
    given = overrides.given()
    stdp = given.get("arch") == "stdp" or ("arch" not in given and isinstance(base, StdpRecipe))
    if base is not None and stdp != isinstance(base, StdpRecipe):
        raise InvalidRecipe(
            f"arch {given['arch']} cannot train from a {base.family} recipe; "
            "leave the recipe out to start from the default one"
        )
    refused = [name for name in given if name in OVERRIDE_PATHS and not _paths(name, stdp)]
    if refused:
        family = "stdp" if stdp else "surrogate-gradient (conv, fc)"
        raise InvalidRecipe(f"{', '.join(refused)} cannot be set for {family} models")
    start = base or _default_base(given, stdp)
    data = start.model_dump(mode="json")  # every field, those to_dict leaves out included
    if isinstance(start, Recipe):
        data["arch"] = _arch(start, given)
    for name, value in given.items():
        if name in OVERRIDE_PATHS:
            for path in _paths(name, stdp):
                _set(data, path, list(value) if isinstance(value, tuple) else value)
    if "start_neurons" in given and data["growth"]["kind"] == "off":
        raise InvalidRecipe(
            "start_neurons needs growth errors: a network without growth starts "
            "with all its neurons (set neurons instead)"
        )
    return _validated(type(start), data)


def _default_base(given: dict[str, Any], stdp: bool) -> AnyRecipe:
    dataset = given.get("dataset", DEFAULT_DATASET)
    if stdp:
        return default_stdp_recipe(dataset)
    return default_recipe(dataset, given.get("arch", DEFAULT_ARCH))


def _arch(start: Recipe, given: dict[str, Any]) -> dict[str, Any]:
    """The architecture before width and neuron overrides: the base's, or the default one of
    another kind (keeping the base's neurons)."""
    kind = given.get("arch", start.arch.kind)
    if kind == "fc" and (conv_only := [n for n in CONV_ONLY if n in given]):
        raise InvalidRecipe(f"{', '.join(conv_only)} cannot be set for fc networks")
    if kind == start.arch.kind:
        return start.arch.to_dict()
    return {**default_arch(kind).to_dict(), "neuron": start.to_dict()["arch"]["neuron"]}


def _paths(name: str, stdp: bool) -> tuple[str, ...]:
    surrogate_paths, stdp_paths = OVERRIDE_PATHS[name]
    return stdp_paths if stdp else surrogate_paths


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for key in parents:
        data = data[key]
    data[leaf] = value


def _get(data: dict[str, Any], path: str) -> Any:
    for key in path.split("."):
        data = data[key]
    return data


def _validated(cls: type[Recipe] | type[StdpRecipe], data: dict[str, Any]) -> AnyRecipe:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecipe(describe_error(exc)) from None


def describe_error(exc: ValidationError) -> str:
    """The first problem of a validation error, as ``where: what``."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def recipe_defaults(name: str) -> dict[str, Any]:
    """The default recipes' values of what override ``name`` sets, by ``dataset/arch``
    (``*`` for ``dataset`` and ``arch``, which choose the default recipe)."""
    if name in ("dataset", "arch"):
        return {"*": DEFAULT_DATASET if name == "dataset" else DEFAULT_ARCH}
    surrogate_paths, stdp_paths = OVERRIDE_PATHS[name]
    values: dict[str, Any] = {}
    for dataset in DATASETS:
        for arch in ("conv", "fc"):
            if surrogate_paths and not (arch == "fc" and name in CONV_ONLY):
                recipe = default_recipe(dataset, arch).model_dump(mode="json")
                recipe["arch"].setdefault("residual", 0)  # records leave out "no blocks"
                values[f"{dataset}/{arch}"] = _get(recipe, surrogate_paths[0])
        if stdp_paths:
            stdp_recipe = default_stdp_recipe(dataset).model_dump(mode="json")  # growth included
            values[f"{dataset}/stdp"] = _get(stdp_recipe, stdp_paths[0])
    return values


def default_text(name: str) -> str:
    """:func:`recipe_defaults` in words, e.g. ``mnist 20, fashion-mnist 30; stdp 1``: one
    value where all agree, else by architecture, then by dataset."""
    values = recipe_defaults(name)
    if "*" in values:
        return _value(values["*"])
    by_family: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        dataset, family = key.split("/")
        by_family.setdefault(family, {})[dataset] = value
    stdp = by_family.pop("stdp", None)
    texts = []
    if by_family:
        groups = list(by_family.items())
        if all(by == groups[0][1] for _, by in groups):
            texts.append(_by_dataset(groups[0][1]))
        else:
            texts.append(", ".join(f"{family} {_by_dataset(by)}" for family, by in groups))
    if stdp is not None and not texts:
        texts.append(_by_dataset(stdp))  # an STDP-only field
    elif stdp is not None and texts[0] != _by_dataset(stdp):
        texts.append(f"stdp {_by_dataset(stdp)}")
    return "; ".join(texts)


def _by_dataset(by: dict[str, Any]) -> str:
    values = list(by.values())
    if all(v == values[0] for v in values):
        return _value(values[0])
    return ", ".join(f"{dataset} {_value(v)}" for dataset, v in by.items())


def _value(value: Any) -> str:
    if value is None:
        return "all"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "none"
    return str(value)
