"""docs/DEPLOYMENT.md documents every variable the deployment files and core settings read."""

from __future__ import annotations

import re

import pytest

from spikeglyph.settings import ApiKeySettings
from tests.unit.deploy.deployfiles import REPO, SERVICES

DEPLOY_FILES = [
    "docker-compose.yml",
    "docker-compose.gpu.yml",
    ".env.example",
    "Procfile",
    ".ci/run-local",
    *(f"services/{service}/Dockerfile" for service in SERVICES),
    # The Kubernetes manifests that set variables (the others only reference these).
    *sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "deploy" / "k8s").rglob("*.yaml")
        if "SPIKEGLYPH_" in path.read_text()
    ),
]
VARIABLE = re.compile(r"\b(SPIKEGLYPH_[A-Z0-9_]+|COMPOSE_PROJECT_NAME)\b")


def documented() -> set[str]:
    text = (REPO / "docs" / "DEPLOYMENT.md").read_text()
    names = set(VARIABLE.findall(text))
    # "`SPIKEGLYPH_RATE_LIMIT_PREDICT`, `_FEEDBACK`" documents the whole family.
    for prefix, suffixes in re.findall(r"`(SPIKEGLYPH_[A-Z_]+?)_[A-Z]+`((?:, `_[A-Z]+`)+)", text):
        names.update(prefix + suffix for suffix in re.findall(r"`(_[A-Z]+)`", suffixes))
    return names


@pytest.mark.parametrize("path", DEPLOY_FILES)
def test_every_variable_a_deployment_file_reads_is_documented(path: str) -> None:
    used = set(VARIABLE.findall((REPO / path).read_text()))
    assert used, f"{path} names no variable: the pattern is wrong"
    assert used <= documented(), sorted(used - documented())


def test_every_core_setting_is_documented() -> None:
    fields = {f"SPIKEGLYPH_{name.upper()}" for name in ApiKeySettings.model_fields}
    assert fields <= documented(), sorted(fields - documented())


def test_env_example_offers_only_variables_something_reads() -> None:
    offered = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.M))
    readers = "".join((REPO / path).read_text() for path in DEPLOY_FILES if path != ".env.example")
    settings = {f"SPIKEGLYPH_{name.upper()}" for name in ApiKeySettings.model_fields}
    unused = {name for name in offered if name not in readers and name not in settings}
    assert not unused - {"COMPOSE_PROJECT_NAME"}, sorted(unused)
    assert "SPIKEGLYPH_API_KEYS" in offered
