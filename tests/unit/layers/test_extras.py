"""The package extras cover what the layers import, and each service declares exactly the extras
it uses: `pip install spikeglyph[<extra>]` is enough to import every module of that layer.

Building a fresh virtual environment per extra would prove it too, but takes minutes; reading the
import graph against the declared requirements (closed over the installed metadata) checks the
same thing in a second.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.unit.layers.layering import (
    LAYERS,
    SERVICES,
    SHARED,
    contracts,
    distributions_of,
    extra_of,
    extras_closure,
    extras_of,
    import_graph,
    installed_closure,
    is_internal,
    is_lazy,
    layers_of,
    modules_of,
    normalise,
    service_requirements,
    shared_project,
    shared_requirements,
    third_party,
)

# A CLI command imports the layer it needs when it runs (train needs torch, predict --model ONNX
# Runtime), so `spikeglyph[cli]` alone serves `predict --url`; nothing else loads a layer lazily.
ON_DEMAND_LAYERS = {"cli"}
# Imports a layer makes only inside the function that needs them, for a caller that installs
# more: the feedback store takes and gives bytes (the gateway), and only reading items back as
# arrays (the trainer, which installs imaging) needs NumPy.
ON_DEMAND_IMPORTS = {("spikeglyph.stores.feedback", "numpy")}


def provided_to(layers: set[str]) -> set[str]:
    return installed_closure(shared_requirements(extras_of(layers)))


def test_every_layer_is_a_contract_and_an_extra() -> None:
    assert set(LAYERS) <= set(contracts())
    optional = set(shared_project()["optional-dependencies"])
    assert {extra_of(layer) for layer in LAYERS} - {None} <= optional


def test_every_module_of_the_package_belongs_to_a_layer() -> None:
    assert [m for m in modules_of(SHARED) if not layers_of(m)] == []


def test_each_layer_imports_only_what_its_extra_installs() -> None:
    graph = import_graph()
    missing = []
    for module in modules_of(SHARED):
        provided = provided_to(layers_of(module))
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if (module, imported) in ON_DEMAND_IMPORTS and is_lazy(module, imported):
                continue
            if third_party(imported) and not distributions_of(imported) & provided:
                missing.append(f"{module} {sorted(layers_of(module))} imports {imported}")
    assert missing == []


def test_the_on_demand_imports_are_real_and_lazy() -> None:
    """Guard the exception above: each is an import that exists, and only inside a function."""
    for module, imported in sorted(ON_DEMAND_IMPORTS):
        assert is_lazy(module, imported), f"{module} imports {imported} at module level"


def test_a_layer_imports_another_only_when_its_extra_installs_that_one() -> None:
    graph = import_graph()
    wrong = []
    for module in modules_of(SHARED):
        layers = layers_of(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith(SHARED) or extras_of(layers_of(imported)) <= extras_of(
                layers
            ):
                continue
            if layers & ON_DEMAND_LAYERS and is_lazy(module, imported):
                continue
            wrong.append(f"{module} {sorted(layers)} imports {imported} {layers_of(imported)}")
    assert wrong == []


def _service_uses(package: str) -> tuple[set[str], set[str]]:
    """The extras of ``spikeglyph`` a service's imports need, and the other top-level imports."""
    graph = import_graph()
    extras: set[str] = set()
    external: set[str] = set()
    for module in modules_of(package):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith(SHARED):
                extras |= extras_of(layers_of(imported))
            elif third_party(imported):
                external.add(imported.split(".")[0])
    # importlib.import_module("spikeglyph.train.api"): a lazy import the graph cannot see.
    for path in (SERVICES[package] / "src").rglob("*.py"):
        for name in re.findall(r"import_module\(\s*\"(spikeglyph\.[\w.]+)\"", path.read_text()):
            extras |= extras_of(layers_of(name))
    return extras - {"client"}, external


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_a_service_declares_exactly_the_extras_it_uses(package: str) -> None:
    requirements = service_requirements(package)
    (own,) = [r for r in requirements if normalise(r.name) == SHARED]
    used, _ = _service_uses(package)
    declared = set(own.extras)
    assert used <= extras_closure(declared), f"{package} uses {used}, declares {declared}"
    # Nothing declared that no import needs, directly or through a layer it imports.
    assert declared <= extras_closure(used), f"{package} uses {used}, declares {declared}"


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_a_service_imports_only_what_its_requirements_install(package: str) -> None:
    requirements = service_requirements(package)
    provided = installed_closure(requirements)
    _, external = _service_uses(package)
    assert sorted(e for e in external if not distributions_of(e) & provided) == []
    # ...and every requirement of its own (celery, aiohttp) is imported by it.
    own = {normalise(r.name) for r in requirements} - {SHARED}
    imported = set().union(*(distributions_of(e) for e in external))
    assert own <= imported


def test_the_gateway_installs_neither_onnx_runtime_nor_torch() -> None:
    provided = installed_closure(service_requirements("spikeglyph_gateway"))
    assert not provided & {"onnxruntime", "torch", "snntorch", "onnx"}


def test_the_gateway_installs_neither_numpy_nor_pillow() -> None:
    """Its image is a relay's: replicas decode images, check tensors and draw weight figures."""
    provided = installed_closure(service_requirements("spikeglyph_gateway"))
    assert not provided & {"numpy", "pillow"}, sorted(provided & {"numpy", "pillow"})


def test_the_gateway_imports_neither_numpy_nor_pil() -> None:
    """Its own modules, lazy imports included; the `gateway-without-arrays` contract checks
    what they import in turn (one exception: the feedback store's reading side, the trainer's)."""
    graph = import_graph()
    found = []
    for module in modules_of("spikeglyph_gateway"):
        for imported in graph.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            if top in ("numpy", "PIL") or (
                imported.startswith(SHARED + ".") and "imaging" in layers_of(imported)
            ):
                found.append(f"{module} imports {imported}")
    assert found == []


def test_the_base_install_is_the_small_core() -> None:
    provided = installed_closure(shared_requirements([]))
    heavy = {"onnxruntime", "redis", "fastapi", "starlette", "typer", "rich", "torch", "celery"}
    assert not provided & (heavy | {"numpy", "pillow"}), sorted(provided & heavy)
    assert {"httpx", "stamina", "pydantic"} <= provided


def test_the_client_extra_installs_everything_the_client_uses() -> None:
    provided = installed_closure(shared_requirements(["client"]))
    assert {"httpx", "stamina", "pydantic", "numpy", "pillow"} <= provided


PROBE = """
import sys
import spikeglyph.client, spikeglyph.data, spikeglyph.energy, spikeglyph.errors
import spikeglyph.run_options, spikeglyph.logs, spikeglyph.modeldir, spikeglyph.preprocess
import spikeglyph.schemas, spikeglyph.settings, spikeglyph.job_queue
# Not rich: httpx imports its own command line (rich included) whenever rich is installed.
other = {"fastapi", "starlette", "redis", "celery", "onnxruntime", "torch", "snntorch", "typer"}
ours = ("server", "registry", "runtime", "cli", "train")
loaded = [m for m in sys.modules if m.split(".")[0] in other
          or (m.split(".")[0] == "spikeglyph" and m.split(".")[1:2] in [[o] for o in ours])]
print(",".join(sorted(loaded)))
"""


def test_the_core_and_the_client_load_no_other_layer() -> None:
    """What `pip install spikeglyph[client]` users run loads nothing another extra installs."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""


def test_the_layer_check_sees_internal_and_external_imports() -> None:
    """Guard the checks above against an empty graph (a wrong root package would pass them)."""
    imported = import_graph().find_modules_directly_imported_by("spikeglyph.runtime")
    assert "onnxruntime" in imported and any(is_internal(m) for m in imported)
