"""The shell scripts of the no-Docker run and of the deployment checks."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.unit.deploy.deployfiles import REPO

SCRIPTS = [
    ".ci/run-local",
    ".ci/deploy-deps",
    ".ci/make-env",
    ".ci/docker-deps",
    "deploy/images/make-base-images.sh",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_shellcheck_finds_nothing(script: str) -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is missing: run `bash .ci/deploy-deps`"
    result = subprocess.run(
        [shellcheck, "--shell=bash", str(REPO / script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_stop_at_the_first_error(script: str) -> None:
    assert "set -euo pipefail" in (REPO / script).read_text()
