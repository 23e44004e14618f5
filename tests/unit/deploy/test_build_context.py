"""The Docker build context: small, free of secrets, and enough to build every wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.deploy.deployfiles import (
    LOCAL_ONLY,
    REPO,
    SERVICES,
    build_context_files,
    dockerfile_path,
    dockerignore_patterns,
    in_build_context,
    parse_dockerfile,
)


@pytest.fixture(scope="module")
def context_files() -> list[str]:
    return build_context_files()


@pytest.mark.parametrize(
    "path",
    [
        *(f"{folder}/anything" for folder in LOCAL_ONLY),
        ".env",
        "tests/unit/test_modeldir.py",
        "docs/DESIGN.md",
        "shared/src/spikeglyph/__pycache__/settings.cpython-311.pyc",
        "services/gateway/src/spikeglyph_gateway.egg-info/PKG-INFO",
    ],
)
def test_local_state_and_secrets_stay_out_of_images(path: str) -> None:
    assert not in_build_context(path, dockerignore_patterns())


def test_context_is_only_what_the_images_need(context_files: list[str]) -> None:
    tops = {path.split("/")[0] for path in context_files if not path.startswith("deploy/")}
    assert tops <= {"constraints.txt", "README.md", "shared", "services", "models", "frontend"}
    # from deploy/, only the script that trims the images' virtual environments
    assert [path for path in context_files if path.startswith("deploy/")] == [
        "deploy/images/slim-venv.sh"
    ]
    assert not [path for path in context_files if "/tests/" in path or path.endswith(".pyc")]


@pytest.mark.parametrize("service", SERVICES)
def test_every_copied_path_is_in_the_context(service: str, context_files: list[str]) -> None:
    for stage in parse_dockerfile(dockerfile_path(service)):
        for arguments in stage.all("COPY"):
            words = [word for word in arguments.split() if not word.startswith("--")]
            for source in words[:-1]:
                prefix = source.rstrip("/")
                assert (
                    any(path == prefix or path.startswith(prefix + "/") for path in context_files)
                    or (REPO / prefix).is_dir()
                ), f"{service}: COPY {source} finds nothing"


@pytest.mark.slow
def test_the_context_builds_the_wheels_the_images_install(
    tmp_path: Path, context_files: list[str]
) -> None:
    """What the builder stages do first, on exactly the files Docker would send."""
    context = tmp_path / "context"
    for relative in context_files:
        target = context / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, target)
    wheels = tmp_path / "wheels"
    packages = ["./shared", *(f"./services/{service}" for service in SERVICES)]
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*pip_wheel, "--quiet", "--wheel-dir", str(wheels), *packages],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    built = sorted(path.name.split("-")[0] for path in wheels.glob("*.whl"))
    assert built == sorted(["spikeglyph", *(f"spikeglyph_{service}" for service in SERVICES)])
    # The runtime stages install /wheels/spikeglyph_<service>-*.whl by that name.
    for service in SERVICES:
        assert f"/wheels/spikeglyph_{service}-*.whl" in dockerfile_path(service).read_text()


def test_negations_name_paths_without_wildcards() -> None:
    # Docker Engine 20.10 drops the files of `!services/*/src/` from the context (the build then
    # fails with "no such file"), so every re-included path is spelled out.
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    negations = [line for line in lines if line.startswith("!")]
    assert negations
    assert not [line for line in negations if any(char in line for char in "*?[")]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_package_is_in_the_context(service: str, context_files: list[str]) -> None:
    assert f"services/{service}/pyproject.toml" in context_files
    sources = [path for path in context_files if path.startswith(f"services/{service}/src/")]
    assert any(path.endswith("/main.py") for path in sources), sources[:5]
