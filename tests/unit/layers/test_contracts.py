"""The import-linter contracts of the root pyproject.toml are kept, and they do bite: on a copy of
the sources with one forbidden import planted per contract, every contract is reported broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.unit.layers.layering import REPO, SERVICES, contracts

SOURCES = {"spikeglyph": REPO / "shared" / "src" / "spikeglyph"} | {
    package: root / "src" / package for package, root in SERVICES.items()
}

# One forbidden import per contract, added at the end of a module of its source.
VIOLATIONS = {
    "core": ("spikeglyph.schemas", "import fastapi"),
    "imaging": ("spikeglyph.tensors", "import redis"),
    "client": ("spikeglyph.client.sync", "import redis"),
    "runtime": ("spikeglyph.runtime", "import torch"),
    "store": ("spikeglyph.stores.keys", "import spikeglyph.server"),
    "s3": ("spikeglyph.stores.s3_artifacts", "import spikeglyph.server"),
    "server": ("spikeglyph.server.heap", "import spikeglyph.stores"),
    "train": ("spikeglyph.train.spec", "import typer"),
    "cli": ("spikeglyph.cli", "import redis"),
    "shared-imports-no-service": ("spikeglyph.logs", "import spikeglyph_gateway"),
    "services-independent": ("spikeglyph_inference.settings", "import spikeglyph_trainer"),
    "serving-without-torch": ("spikeglyph_gateway.config", "import spikeglyph.train"),
    "gateway-without-runtime": ("spikeglyph_gateway.sse", "import onnxruntime"),
    "gateway-without-arrays": ("spikeglyph_gateway.relay", "import PIL"),
    "services-without-cli": ("spikeglyph_trainer.settings", "import typer"),
    "trainer-serves-no-http": ("spikeglyph_trainer.progress", "import fastapi"),
}


def lint_imports(*, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="400", NO_COLOR="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    command = Path(sys.executable).with_name("lint-imports")
    assert command.exists(), "lint-imports is missing: it comes with the dev extra"
    return subprocess.run(
        [str(command), str(REPO / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        env=env,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(contracts())} kept, 0 broken" in result.stdout, result.stdout


def test_a_violation_of_any_contract_fails_the_check(tmp_path: Path) -> None:
    assert set(VIOLATIONS) == set(contracts()), "every contract gets a planted violation"
    for package, source in SOURCES.items():
        shutil.copytree(source, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    for module, statement in VIOLATIONS.values():
        path = tmp_path.joinpath(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        path.write_text(path.read_text() + f"\n{statement}\n")

    result = lint_imports(pythonpath=tmp_path)

    assert result.returncode != 0
    report = result.stdout
    assert f"0 kept, {len(contracts())} broken" in report, report
    for contract in contracts().values():
        assert f"{contract['name']} BROKEN" in report, contract["id"]
