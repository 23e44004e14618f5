"""docker-compose.yml and its GPU override, as `docker-compose config` resolves them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.unit.deploy.conftest import SECRET_LINES, USER_ENV
from tests.unit.deploy.deployfiles import (
    COMPOSE_FILES,
    REPO,
    SERVICES,
    compose_config,
    dockerfile_path,
    load_config,
    memory_bytes,
    mounts,
    parse_dockerfile,
    published_ports,
)

BUILT = {"inference", "trainer", "gateway"}
DEFAULT_STACK = {"redis", "inference", "trainer", "gateway"}
OPTIONAL = {"flower", "tensorboard"}  # profiles of their own names
GIB = 1024**3


def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(config["services"])


def service_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment must be a mapping"
    return {str(k): str(v) for k, v in env.items()}


def test_both_files_merge_into_the_full_stack(config: dict[str, Any]) -> None:
    assert set(services(config)) == DEFAULT_STACK | OPTIONAL
    # Flower and TensorBoard are opt-in: a plain `docker compose up` starts the four services.
    for name in OPTIONAL:
        assert services(config)[name]["profiles"] == [name]
    assert all("profiles" not in services(config)[name] for name in DEFAULT_STACK)


def test_every_service_reports_its_health(config: dict[str, Any]) -> None:
    for name, service in services(config).items():
        if name in BUILT:
            image_check = parse_dockerfile(dockerfile_path(name))[-1].last("HEALTHCHECK")
            assert image_check, f"{name}: its image declares no HEALTHCHECK"
            assert "healthcheck" not in service or not service["healthcheck"].get("disable")
        else:
            assert service["healthcheck"]["test"], f"{name}: no healthcheck"


def test_services_start_only_once_what_they_need_is_healthy(config: dict[str, Any]) -> None:
    expected = {
        "inference": {"redis"},
        "trainer": {"redis"},
        "gateway": {"redis", "inference"},
        "flower": {"redis"},
    }
    for name, needs in expected.items():
        depends_on = services(config)[name]["depends_on"]
        assert set(depends_on) == needs, name
        assert all(depends_on[dep]["condition"] == "service_healthy" for dep in needs), name


def test_only_the_gateway_is_published(config: dict[str, Any]) -> None:
    stack = services(config)
    assert published_ports(stack["gateway"]) == [("0.0.0.0", 8000, 8000)]
    # Flower has no login: reachable from this machine only.
    assert published_ports(stack["flower"]) == [("127.0.0.1", 5555, 5555)]
    assert published_ports(stack["tensorboard"]) == [("127.0.0.1", 6006, 6006)]
    for name in ("redis", "inference", "trainer"):
        assert not published_ports(stack[name]), f"{name} must not be reachable from outside"


def test_gateway_port_follows_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "SPIKEGLYPH_GATEWAY_PORT=8080\nSPIKEGLYPH_API_KEYS=k" + "7" * 30 + "\n" + SECRET_LINES
    )
    config = load_config(compose_config(COMPOSE_FILES[:1], {}, env_file))
    assert published_ports(services(config)["gateway"]) == [("0.0.0.0", 8080, 8000)]


def test_inference_scales_behind_the_gateway(config: dict[str, Any]) -> None:
    stack = services(config)
    inference = stack["inference"]
    # `--scale inference=N` needs replicas without a fixed name or host port.
    assert "container_name" not in inference
    assert not published_ports(inference)
    urls = service_env(stack["gateway"])["SPIKEGLYPH_INFERENCE_URLS"].split(",")
    assert [urlsplit(url).hostname for url in urls] == ["inference"]
    assert [urlsplit(url).port for url in urls] == [8001]


def test_services_restart_after_a_crash(config: dict[str, Any]) -> None:
    for name, service in services(config).items():
        assert service.get("restart") in {"unless-stopped", "always", "on-failure"}, name


def test_default_stack_fits_an_8_gb_laptop(cpu_config: dict[str, Any]) -> None:
    limits = {
        name: memory_bytes(service["deploy"]["resources"]["limits"]["memory"])
        for name, service in services(cpu_config).items()
    }
    assert set(limits) == DEFAULT_STACK | OPTIONAL, "every service needs a memory limit"
    assert sum(limits[name] for name in DEFAULT_STACK) <= 5 * GIB


def test_gpu_stack_leaves_room_on_an_8_gb_laptop(gpu_config: dict[str, Any]) -> None:
    limits = [
        memory_bytes(services(gpu_config)[name]["deploy"]["resources"]["limits"]["memory"])
        for name in DEFAULT_STACK
    ]
    assert sum(limits) <= 6 * GIB


def test_redis_keeps_jobs_across_restarts_and_never_evicts(config: dict[str, Any]) -> None:
    redis = services(config)["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    # The data lives in a named volume, so `docker compose down` keeps it.
    assert mounts(redis)["/data"] == ("redis-data", False)
    assert "redis-data" in config["volumes"]


def test_every_service_talks_to_the_compose_redis(config: dict[str, Any]) -> None:
    stack = services(config)
    for name in BUILT:
        url = urlsplit(service_env(stack[name])["SPIKEGLYPH_REDIS_URL"])
        assert (url.hostname, url.port or 6379) == ("redis", 6379), name
    broker = urlsplit(service_env(stack["flower"])["CELERY_BROKER_URL"])
    assert (broker.hostname, broker.port) == ("redis", 6379)


def test_redis_demands_the_password_every_client_is_given(config: dict[str, Any]) -> None:
    stack = services(config)
    password = USER_ENV["SPIKEGLYPH_REDIS_PASSWORD"]
    for name in BUILT:
        assert urlsplit(service_env(stack[name])["SPIKEGLYPH_REDIS_URL"]).password == password
    assert urlsplit(service_env(stack["flower"])["CELERY_BROKER_URL"]).password == password
    redis = stack["redis"]
    assert service_env(redis)["REDISCLI_AUTH"] == password  # what the healthcheck's cli sends
    script = " ".join(redis["command"])
    assert "requirepass $REDISCLI_AUTH" in script.replace("$$", "$")
    assert password not in script, "the password would show in the process list"


def test_gateway_and_inference_share_the_internal_token(config: dict[str, Any]) -> None:
    stack = services(config)
    token = USER_ENV["SPIKEGLYPH_INTERNAL_TOKEN"]
    for name in ("gateway", "inference"):
        assert service_env(stack[name])["SPIKEGLYPH_INTERNAL_TOKEN"] == token, name


@pytest.mark.parametrize("secret", sorted(USER_ENV))
def test_the_stack_refuses_to_start_without_each_secret(empty_env_file: Path, secret: str) -> None:
    env = {name: value for name, value in USER_ENV.items() if name != secret}
    result = compose_config(COMPOSE_FILES, env, empty_env_file)
    assert result.returncode != 0
    assert secret in result.stderr
    assert "make env" in result.stderr and ".env.example" in result.stderr


def test_models_flow_from_trainer_to_inference_through_one_volume(config: dict[str, Any]) -> None:
    stack = services(config)
    artifacts = "/data/artifacts"
    assert mounts(stack["trainer"])[artifacts] == ("artifacts", False)
    # Replicas cannot damage the store they serve from; the gateway installs uploaded versions.
    assert mounts(stack["inference"])[artifacts] == ("artifacts", True)
    assert mounts(stack["gateway"])[artifacts] == ("artifacts", False)
    for name in BUILT:
        assert service_env(stack[name])["SPIKEGLYPH_ARTIFACTS_DIR"] == artifacts, name
    # Job checkpoints (resume after a crash) and datasets persist beside the artifacts.
    trainer_env = service_env(stack["trainer"])
    assert mounts(stack["trainer"])[trainer_env["SPIKEGLYPH_WORK_DIR"]] == ("jobs", False)
    assert mounts(stack["trainer"])[trainer_env["SPIKEGLYPH_DATA_DIR"]] == ("datasets", False)


def test_datasets_can_come_from_a_host_folder(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SPIKEGLYPH_DATASETS_VOLUME={tmp_path}\nSPIKEGLYPH_API_KEYS=k{'7' * 30}\n{SECRET_LINES}"
    )
    config = load_config(compose_config(COMPOSE_FILES[:1], {}, env_file))
    assert mounts(services(config)["trainer"])["/data/datasets"] == (str(tmp_path), False)


def test_tensorboard_reads_the_event_files_every_trainer_job_writes(
    config: dict[str, Any],
) -> None:
    stack = services(config)
    written = stack["trainer"]["environment"]["SPIKEGLYPH_TENSORBOARD_DIR"]
    assert mounts(stack["trainer"])[written][1] is False  # the trainer writes
    assert mounts(stack["tensorboard"])[written][1] is True  # TensorBoard only reads
    assert stack["tensorboard"]["command"][:3] == ["tensorboard", "--logdir", written]
    # TensorBoard's server is an image of its own, not part of the trainer's
    assert stack["tensorboard"]["build"]["dockerfile"] == stack["trainer"]["build"]["dockerfile"]
    assert stack["tensorboard"]["build"]["target"] == "tensorboard"
    assert stack["tensorboard"]["image"] != stack["trainer"]["image"]


def test_no_service_runs_as_root(config: dict[str, Any]) -> None:
    for name, service in services(config).items():
        assert str(service.get("user", "")).split(":")[0] not in {"root", "0"}, name
    for name in SERVICES:
        user = parse_dockerfile(dockerfile_path(name))[-1].last("USER")
        assert user is not None and user.split(":")[0] not in {"root", "0"}, name
    assert str(services(config)["flower"]["user"]).split(":")[0] not in {"", "root", "0"}


def test_cpu_stack_builds_cpu_images_and_reserves_no_gpu(cpu_config: dict[str, Any]) -> None:
    stack = services(cpu_config)
    for name in ("inference", "trainer"):
        assert stack[name]["build"]["args"]["VARIANT"] == "cpu"
        assert "reservations" not in stack[name]["deploy"]["resources"]


@pytest.mark.parametrize("name", ["inference", "trainer"])
def test_gpu_override_reserves_a_gpu_and_builds_for_cuda(
    gpu_config: dict[str, Any], cpu_config: dict[str, Any], name: str
) -> None:
    service = services(gpu_config)[name]
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert service["build"]["args"]["VARIANT"] == "gpu"
    assert service_env(service)["SPIKEGLYPH_DEVICE"] == "cuda"
    # CPU and GPU builds get different tags, so switching never reuses the wrong image.
    assert service["image"] != services(cpu_config)[name]["image"]


def test_gpu_override_leaves_the_other_services_alone(
    gpu_config: dict[str, Any], cpu_config: dict[str, Any]
) -> None:
    for name in ("redis", "gateway", "flower"):
        assert services(gpu_config)[name] == services(cpu_config)[name], name


def test_env_example_with_a_key_is_a_working_env_file(tmp_path: Path) -> None:
    """The README's steps: copy .env.example to .env, set a key and the secrets, start."""
    example = (REPO / ".env.example").read_text()
    env_file = tmp_path / ".env"
    filled = example.replace("SPIKEGLYPH_API_KEYS=\n", f"SPIKEGLYPH_API_KEYS=k{'7' * 30}\n")
    for name, value in USER_ENV.items():
        filled = filled.replace(f"{name}=\n", f"{name}={value}\n")
    env_file.write_text(filled)
    result = compose_config(COMPOSE_FILES, {}, env_file)
    assert result.returncode == 0, result.stderr
    # ...while the untouched copy stops with the message that says what to do.
    env_file.write_text(example)
    result = compose_config(COMPOSE_FILES, {}, env_file)
    assert result.returncode != 0 and "make env" in result.stderr


def test_scaled_replicas_can_be_named_for_the_gateway(tmp_path: Path) -> None:
    replicas = ",".join(f"http://spikeglyph-inference-{n}:8001" for n in (1, 2, 3))
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SPIKEGLYPH_COMPOSE_INFERENCE_URLS={replicas}\nSPIKEGLYPH_API_KEYS=k{'7' * 30}\n"
        + SECRET_LINES
    )
    config = load_config(compose_config(COMPOSE_FILES, {}, env_file))
    assert service_env(config["services"]["gateway"])["SPIKEGLYPH_INFERENCE_URLS"] == replicas


def test_base_and_redis_images_default_to_the_official_ones(config: dict[str, Any]) -> None:
    stack = services(config)
    assert stack["redis"]["image"] == "redis:7.4-alpine"
    for name in SERVICES:
        assert stack[name]["build"]["args"]["BASE_IMAGE"] == "python:3.11-slim-bookworm", name


def test_base_and_redis_images_follow_the_env_file(tmp_path: Path) -> None:
    # What a host without registry access sets after `make images-offline`.
    env_file = tmp_path / ".env"
    env_file.write_text(
        "BASE_IMAGE=spikeglyph/python:3.11-bookworm\nREDIS_IMAGE=spikeglyph/redis:7-bookworm\n"
        f"SPIKEGLYPH_API_KEYS=k{'7' * 30}\n{SECRET_LINES}"
    )
    for files in (COMPOSE_FILES[:1], COMPOSE_FILES):
        stack = services(load_config(compose_config(files, {}, env_file)))
        assert stack["redis"]["image"] == "spikeglyph/redis:7-bookworm"
        for name in SERVICES:
            assert stack[name]["build"]["args"]["BASE_IMAGE"] == "spikeglyph/python:3.11-bookworm"
