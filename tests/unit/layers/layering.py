"""What the layer tests read: the import-linter contracts (root pyproject.toml), the extras
(shared/pyproject.toml), the services' dependencies and the real import graph (grimp, the
library import-linter itself uses).

A layer is an import-linter contract whose ``id`` is in :data:`LAYERS`; its modules are the
contract's ``source_modules`` (as packages) and its extra is the one of the same name (the core:
the base install). A module in two layers' sources needs both extras: the CLI's training command
lives in ``spikeglyph.train`` and uses torch and rich.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import grimp
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[3]
SHARED = "spikeglyph"
LAYERS = ("core", "imaging", "client", "runtime", "store", "s3", "server", "cli", "train")
SERVICES = {
    "spikeglyph_gateway": REPO / "services" / "gateway",
    "spikeglyph_inference": REPO / "services" / "inference",
    "spikeglyph_trainer": REPO / "services" / "trainer",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def importlinter_config() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return config


def contracts() -> dict[str, dict[str, Any]]:
    return {contract["id"]: contract for contract in importlinter_config()["contracts"]}


@functools.cache
def layer_prefixes() -> dict[str, str]:
    """Module path → layer, from the ``source_modules`` of the layer contracts."""
    prefixes: dict[str, str] = {}
    for layer in LAYERS:
        for module in contracts()[layer]["source_modules"]:
            assert module not in prefixes, f"{module} is in two layers"
            prefixes[module] = layer
    return prefixes


def layers_of(module: str) -> set[str]:
    """The layers a module of ``spikeglyph`` belongs to (the package's own ``__init__``: core)."""
    if module == SHARED:
        return {"core"}
    return {
        layer
        for prefix, layer in layer_prefixes().items()
        if module == prefix or module.startswith(prefix + ".")
    }


def extras_of(layers: Iterable[str]) -> set[str]:
    """The extras (closed over self-references) that install everything ``layers`` import."""
    return extras_closure(extra for layer in layers if (extra := extra_of(layer)))


@functools.cache
def import_graph() -> grimp.ImportGraph:
    roots = importlinter_config()["root_packages"]
    return grimp.build_graph(*roots, include_external_packages=True, cache_dir=None)


def modules_of(package: str) -> list[str]:
    return sorted({package, *import_graph().find_descendants(package)})


def is_internal(module: str) -> bool:
    return module.split(".")[0] in importlinter_config()["root_packages"]


def third_party(module: str) -> bool:
    top = module.split(".")[0]
    return not is_internal(module) and top not in sys.stdlib_module_names


def is_lazy(importer: str, imported: str) -> bool:
    """Whether every import of ``imported`` in ``importer`` runs only when a function does
    (an indented import statement), so importing ``importer`` alone never loads it."""
    spec = importlib.util.find_spec(importer)
    assert spec is not None and spec.origin is not None
    lines = Path(spec.origin).read_text().splitlines()
    details = import_graph().get_import_details(importer=importer, imported=imported)
    return bool(details) and all(
        lines[d["line_number"] - 1].startswith((" ", "\t")) for d in details
    )


# --- what the pyproject files declare -------------------------------------------------------
@functools.cache
def shared_project() -> dict[str, Any]:
    with (REPO / "shared" / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def service_requirements(package: str) -> list[Requirement]:
    with (SERVICES[package] / "pyproject.toml").open("rb") as file:
        return [Requirement(line) for line in tomllib.load(file)["project"]["dependencies"]]


def extra_of(layer: str) -> str | None:
    return None if layer == "core" else layer


def extras_closure(extras: Iterable[str]) -> set[str]:
    """The extras of ``spikeglyph`` that installing ``extras`` installs (self-references)."""
    optional = shared_project()["optional-dependencies"]
    found: set[str] = set()
    todo = list(extras)
    while todo:
        extra = todo.pop()
        if extra in found:
            continue
        found.add(extra)
        for line in optional[extra]:
            requirement = Requirement(line)
            if normalise(requirement.name) == SHARED:
                todo.extend(requirement.extras)
    return found


def shared_requirements(extras: Iterable[str]) -> list[Requirement]:
    """The base dependencies plus those of ``extras`` (closed over self-references)."""
    optional = shared_project()["optional-dependencies"]
    lines = list(shared_project()["dependencies"])
    for extra in sorted(extras_closure(extras)):
        lines.extend(optional[extra])
    return [r for r in map(Requirement, lines) if normalise(r.name) != SHARED]


def installed_closure(requirements: Iterable[Requirement]) -> set[str]:
    """Every distribution installing ``requirements`` brings (installed metadata, markers and
    extras evaluated); ``spikeglyph`` itself is read from its pyproject, not its metadata."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(r.name, frozenset(r.extras)) for r in requirements]
    while todo:
        name, extras = todo.pop()
        key = (normalise(name), extras)
        if key in seen:
            continue
        seen.add(key)
        if key[0] == SHARED:
            todo.extend((r.name, frozenset(r.extras)) for r in shared_requirements(extras))
            continue
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker is None or any(
                requirement.marker.evaluate(env) for env in environments
            ):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


@functools.cache
def distributions_of_import() -> dict[str, set[str]]:
    """Top-level import name → the installed distributions that provide it."""
    return {
        name: {normalise(d) for d in dists}
        for name, dists in metadata.packages_distributions().items()
    }


def distributions_of(module: str) -> set[str]:
    return distributions_of_import().get(module.split(".")[0], set())
