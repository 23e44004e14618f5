"""The pods: probes, resources, security, graceful termination and commands, each tied to what
the services and the other deployment files say (Dockerfiles, Compose, measured memory)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from spikeglyph.server.serve import GRACEFUL_SHUTDOWN_S
from tests.unit.deploy.deployfiles import (
    REPO,
    dockerfile_path,
    healthcheck_command,
    parse_dockerfile,
)
from tests.unit.deploy.k8s import Container, container, containers, cpu_millis, memory_bytes

SERVICES = ("gateway", "inference", "trainer")
# The memory bench's name for each container's process (docs/bench/memory.json).
BENCH_NAMES = {
    "redis": "redis",
    "gateway": "gateway",
    "inference": "inference-0",
    "trainer": "worker-0",
}
Objects = list[dict[str, Any]]


def test_every_container_has_liveness_and_readiness_probes(overlay: Objects) -> None:
    for c in containers(overlay):
        assert c.spec.get("livenessProbe"), f"{c.name}: no liveness probe"
        assert c.spec.get("readinessProbe"), f"{c.name}: no readiness probe"


def test_every_container_has_cpu_and_memory_requests_and_limits(overlay: Objects) -> None:
    for c in containers(overlay, ("Deployment", "StatefulSet", "Job")):
        resources = c.spec["resources"]
        for resource in ("cpu", "memory"):
            request = resources["requests"][resource]
            limit = resources["limits"][resource]
            parse = memory_bytes if resource == "memory" else cpu_millis
            assert parse(limit) >= parse(request), f"{c.name}: {resource} limit < request"


def test_every_container_runs_unprivileged_on_a_read_only_root(overlay: Objects) -> None:
    for c in containers(overlay, ("Deployment", "StatefulSet", "Job")):
        assert c.security("runAsNonRoot") is True, c.name
        assert c.security("runAsUser") not in (None, 0), c.name
        assert c.spec["securityContext"]["allowPrivilegeEscalation"] is False, c.name
        assert c.spec["securityContext"]["capabilities"]["drop"] == ["ALL"], c.name
        assert c.spec["securityContext"]["readOnlyRootFilesystem"] is True, c.name
        assert c.pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", c.name
        assert c.pod.get("automountServiceAccountToken") is False, c.name
        # A read-only root still needs somewhere to write temporary files.
        assert "/tmp" in {m["mountPath"] for m in c.spec["volumeMounts"]}, c.name


def test_service_containers_run_as_the_images_user(overlay: Objects) -> None:
    for name in SERVICES:
        user = parse_dockerfile(dockerfile_path(name))[-1].last("USER")
        assert user is not None
        assert str(container(overlay, name).security("runAsUser")) == user.split(":")[0]


@pytest.mark.parametrize("name", ["gateway", "inference"])
def test_http_probes_follow_the_images_healthcheck(overlay: Objects, name: str) -> None:
    c = container(overlay, name)
    image_check = urlsplit(
        parse_dockerfile(dockerfile_path(name))[-1].env()["SPIKEGLYPH_HEALTHCHECK_URL"]
    )
    port = next(p["containerPort"] for p in c.spec["ports"] if p["name"] == "http")
    assert port == image_check.port
    assert c.spec["readinessProbe"]["httpGet"]["path"] == image_check.path
    assert c.spec["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # Loading and warming a model may take longer than liveness tolerates: a startup probe.
    assert c.spec["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_the_workers_probes_are_the_images_celery_ping(overlay: Objects) -> None:
    c = container(overlay, "trainer")
    ping = healthcheck_command("trainer")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c.spec[probe]["exec"]["command"] == ping, probe
        # The ping waits up to 10 s for an answer: the probe must wait longer.
        assert c.spec[probe]["timeoutSeconds"] > 10, probe


def test_commands_are_the_compose_commands(overlay: Objects, cpu_config: dict[str, Any]) -> None:
    for name in SERVICES:
        assert container(overlay, name).spec["command"] == cpu_config["services"][name]["command"]


def test_memory_requests_cover_what_each_service_was_measured_to_use(overlay: Objects) -> None:
    measured = json.loads((REPO / "docs" / "bench" / "memory.json").read_text())["phases"]
    for name, bench in BENCH_NAMES.items():
        peak = max(phase[bench]["rss"] for phase in measured.values())
        resources = container(overlay, name).spec["resources"]
        assert memory_bytes(resources["requests"]["memory"]) >= peak, name
        # Twice the measured peak at least, so a spike is not an out-of-memory kill.
        assert memory_bytes(resources["limits"]["memory"]) >= 2 * peak, name


def _pre_stop_seconds(c: Container) -> int:
    command = c.spec["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep", command
    return int(command[1])


@pytest.mark.parametrize("name", ["gateway", "inference"])
def test_termination_waits_for_endpoints_to_drop_and_requests_to_drain(
    overlay: Objects, name: str
) -> None:
    c = container(overlay, name)
    pause = _pre_stop_seconds(c)
    # Long enough for DNS (5 s TTL) and the gateway's 1 s probe round to drop the pod...
    assert pause >= 6
    # ...and the grace period covers the pause plus uvicorn's own drain.
    assert c.pod["terminationGracePeriodSeconds"] > pause + GRACEFUL_SHUTDOWN_S


def test_the_worker_gets_composes_stop_grace_period(
    overlay: Objects, cpu_config: dict[str, Any]
) -> None:
    grace = str(cpu_config["services"]["trainer"]["stop_grace_period"])
    minutes, seconds = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", grace).groups()  # type: ignore[union-attr]
    expected = int(minutes or 0) * 60 + int(seconds or 0)
    assert container(overlay, "trainer").pod["terminationGracePeriodSeconds"] == expected


def test_rollouts_add_a_pod_before_removing_one(overlay: Objects) -> None:
    for name in ("gateway", "inference"):
        strategy = container(overlay, name).workload["spec"]["strategy"]
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0, name
