"""The Procfile (`make run`, honcho) runs exactly what the compose services run."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from honcho.environ import parse_procfile as honcho_parse_procfile

from tests.unit.deploy.deployfiles import (
    CONTAINER_ENV,
    PROCFILE_TO_COMPOSE,
    REPO,
    SERVICES,
    expand,
    parse_procfile,
)


def test_procfile_runs_the_three_services_and_not_redis() -> None:
    # Redis is started by the run script only when none is reachable, never by honcho.
    assert set(parse_procfile()) == set(PROCFILE_TO_COMPOSE)


def test_honcho_reads_the_procfile_as_we_do() -> None:
    processes = honcho_parse_procfile((REPO / "Procfile").read_text()).processes
    assert dict(processes) == parse_procfile()


@pytest.mark.parametrize("process", sorted(PROCFILE_TO_COMPOSE))
def test_procfile_command_equals_the_compose_command(process: str, config: dict[str, Any]) -> None:
    """Same program, same options: inside a container the bind host is 0.0.0.0."""
    command = parse_procfile()[process]
    service = config["services"][PROCFILE_TO_COMPOSE[process]]
    assert expand(command, CONTAINER_ENV) == service["command"]


def test_local_run_listens_on_loopback_on_the_default_ports() -> None:
    commands = {name: expand(command, {}) for name, command in parse_procfile().items()}
    assert commands["inference"] == [
        "spikeglyph-inference", "--host", "127.0.0.1", "--port", "8001"
    ]  # fmt: skip
    assert commands["gateway"] == ["spikeglyph-gateway", "--host", "127.0.0.1", "--port", "8000"]
    assert commands["worker"] == ["spikeglyph-worker"]


def test_ports_follow_the_environment() -> None:
    env = {"SPIKEGLYPH_GATEWAY_PORT": "9100", "SPIKEGLYPH_INFERENCE_PORT": "9101"}
    commands = {name: expand(command, env) for name, command in parse_procfile().items()}
    assert commands["gateway"][-1] == "9100"
    assert commands["inference"][-1] == "9101"


def test_every_command_is_an_installed_console_script() -> None:
    scripts: dict[str, str] = {}
    for service in SERVICES:
        project = tomllib.loads((REPO / "services" / service / "pyproject.toml").read_text())
        scripts.update(project["project"]["scripts"])
    for command in parse_procfile().values():
        program = expand(command, {})[0]
        assert program in scripts, f"{program} is no console script of a service"
        assert (Path(sys.executable).parent / program).exists(), f"{program} is not installed"
