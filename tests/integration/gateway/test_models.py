"""Model versions through the gateway: list, active, activate (broadcast), rollback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import redis

from spikeglyph.modeldir import Manifest, write_model_dir
from spikeglyph.stores import ModelRegistry, connect
from tests.integration.gateway.stack import Gateway

pytestmark = pytest.mark.integration


def publish(stack: Gateway, tmp_path: Path, version: str, parent: str | None = None) -> None:
    manifest = Manifest(
        version=version,
        dataset="mnist",
        class_names=[str(d) for d in range(10)],
        architecture={"kind": "fc", "hidden": [16]},
        timesteps=4,
        metrics={"accuracy": 0.9},
        parent=parent,
    )
    source = write_model_dir(
        tmp_path / version,
        manifest,
        {
            "model.onnx": b"onnx-" + version.encode(),
            "weights.safetensors": b"w-" + version.encode(),
        },
    )
    ModelRegistry(connect(stack.redis_url), stack.artifacts_dir).publish(tmp_path / source.version)


@pytest.fixture(scope="module")
def versions(stack: Gateway, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    directory = tmp_path_factory.mktemp("models")
    publish(stack, directory, "mnist-v1")
    publish(stack, directory, "mnist-v2", parent="mnist-v1")
    return ["mnist-v1", "mnist-v2"]


def test_before_any_activation_the_served_default_is_active(stack: Gateway) -> None:
    # Runs first in this module: no version is active in the registry yet.
    response = httpx.get(f"{stack.url}/api/v1/models/active")
    assert response.status_code == 200
    assert response.json()["version"] in {"replica-a", "replica-b"}
    listed = httpx.get(f"{stack.url}/api/v1/models").json()
    assert [m["active"] for m in listed] == [True]


def test_models_are_listed_newest_first_with_manifests(
    http: httpx.Client, versions: list[str]
) -> None:
    listed = [m for m in http.get("/api/v1/models").json() if m["version"].startswith("mnist")]
    assert [m["version"] for m in listed] == ["mnist-v2", "mnist-v1"]
    assert listed[0]["metrics"] == {"accuracy": 0.9} and listed[0]["parent"] == "mnist-v1"
    assert not any(m["active"] for m in listed)


def test_activation_is_broadcast_and_becomes_active(
    stack: Gateway, http: httpx.Client, key: dict[str, str], versions: list[str]
) -> None:
    subscriber = redis.Redis.from_url(stack.redis_url).pubsub()
    subscriber.subscribe(ModelRegistry(connect(stack.redis_url), stack.artifacts_dir).channel)
    subscriber.get_message(timeout=2)  # the subscribe confirmation
    response = http.post("/api/v1/models/mnist-v1/activate", headers=key)
    assert response.status_code == 200
    assert response.json()["version"] == "mnist-v1"
    message = subscriber.get_message(timeout=5)
    assert message is not None
    assert json.loads(message["data"]) | {"ts": None} == {
        "type": "activated",
        "version": "mnist-v1",
        "previous": None,
        "ts": None,
    }
    assert http.get("/api/v1/models/active").json()["version"] == "mnist-v1"
    listed = {m["version"]: m["active"] for m in http.get("/api/v1/models").json()}
    assert listed == {"mnist-v1": True, "mnist-v2": False}


def test_rollback_returns_to_the_previous_version(
    http: httpx.Client, key: dict[str, str], versions: list[str]
) -> None:
    assert http.post("/api/v1/models/mnist-v2/activate", headers=key).status_code == 200
    response = http.post("/api/v1/models/rollback", headers=key)
    assert response.status_code == 200
    assert response.json()["version"] == "mnist-v1"
    assert http.get("/api/v1/models/active").json()["version"] == "mnist-v1"


def test_unknown_and_invalid_versions_are_refused(
    http: httpx.Client, key: dict[str, str], versions: list[str]
) -> None:
    unknown = http.post("/api/v1/models/mnist-v9/activate", headers=key)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "model_not_found"
    for bad in ("%2E%2E", "a..b", "-leading-dash"):
        response = http.post(f"/api/v1/models/{bad}/activate", headers=key)
        assert response.status_code in (400, 422), bad
        assert response.json()["error"]["code"] == "invalid_version"
