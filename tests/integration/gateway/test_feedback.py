"""Feedback through the gateway: the preprocessed image and label land in the store, under
the dataset of the model version that made the prediction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from spikeglyph.modeldir import Manifest, write_model_dir
from spikeglyph.preprocess import preprocess
from spikeglyph.schemas import FASHION_CLASSES, MNIST_CLASSES
from spikeglyph.stores import FeedbackStore, ModelRegistry, connect
from tests.integration.gateway.stack import OPEN, Gateway, start_fake_replica, start_gateway
from tests.integration.gateway.test_predict import PNG
from tests.support.procs import RedisServer, free_port

pytestmark = pytest.mark.integration


def test_feedback_is_preprocessed_and_stored(stack: Gateway, http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/feedback",
        files={"file": ("seven.png", PNG, "image/png")},
        data={"label": "7"},
    )
    assert response.status_code == 202
    feedback_id = response.json()["feedback_id"]
    stored = {
        item.feedback_id: (item, pixels)
        for item, pixels in FeedbackStore(connect(stack.redis_url)).read()
    }
    item, pixels = stored[feedback_id]
    # Nothing is published yet: the correction is for what the replicas serve.
    assert item.label == 7 and item.dataset == "mnist"
    assert item.model_version in {"replica-a", "replica-b"}
    assert pixels.shape == (28, 28) and pixels.dtype == np.uint8
    # MNIST form: ink is bright, the digit's centre of mass is near the middle.
    rows, cols = np.nonzero(pixels > 64)
    assert 10 <= rows.mean() <= 18 and 10 <= cols.mean() <= 18


def test_a_confirmation_is_stored_as_one(stack: Gateway, http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/feedback",
        files={"file": ("seven.png", PNG, "image/png")},
        data={"label": "7", "confirmed": "true"},
    )
    assert response.status_code == 202
    feedback_id = response.json()["feedback_id"]
    stored = {item.feedback_id: item for item, _ in FeedbackStore(connect(stack.redis_url)).read()}
    assert stored[feedback_id].kind == "confirmation" and stored[feedback_id].label == 7


@pytest.mark.parametrize(
    ("files", "data", "status"),
    [
        ({"file": ("d.png", PNG, "image/png")}, {"label": "10"}, 422),
        ({"file": ("d.png", PNG, "image/png")}, {}, 422),
        ({"file": ("d.txt", b"hello, not an image", "text/plain")}, {"label": "3"}, 415),
    ],
)
def test_invalid_feedback_is_refused(
    http: httpx.Client, files: dict[str, tuple[str, bytes, str]], data: dict[str, str], status: int
) -> None:
    response = http.post("/api/v1/feedback", files=files, data=data)
    assert response.status_code == status, response.text
    assert "error" in response.json()


def test_blank_image_is_refused(http: httpx.Client) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (28, 28), 255).save(buffer, format="PNG")
    response = http.post(
        "/api/v1/feedback",
        files={"file": ("blank.png", buffer.getvalue(), "image/png")},
        data={"label": "1"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "blank_image"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway of its own: these tests publish and activate versions."""
    directory = tmp_path_factory.mktemp("feedback-stack")
    redis_server = RedisServer(directory / "redis").start()
    replica = start_fake_replica(directory, "replica-a")
    gateway = start_gateway(
        directory, redis_server.url, [replica], env={"SPIKEGLYPH_RATE_LIMIT_FEEDBACK": OPEN}
    )
    try:
        yield gateway
    finally:
        gateway.stop()
        redis_server.stop()


def publish(stack: Gateway, root: Path, version: str, dataset: str) -> ModelRegistry:
    classes = FASHION_CLASSES if dataset == "fashion-mnist" else MNIST_CLASSES
    manifest = Manifest(
        version=version,
        dataset=dataset,  # type: ignore[arg-type]  # validated by the model
        class_names=list(classes),
        architecture={"kind": "fc", "hidden": [8]},
        timesteps=4,
    )
    files = {"model.onnx": version.encode(), "weights.safetensors": version.encode() * 2}
    write_model_dir(root / version, manifest, files)
    registry = ModelRegistry(connect(stack.redis_url), stack.artifacts_dir)
    registry.publish(root / version)
    return registry


def correct(stack: Gateway, **fields: str) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/api/v1/feedback",
        files={"file": ("shirt.png", PNG, "image/png")},
        data={"label": "6", **fields},
    )


def stored(stack: Gateway, feedback_id: str) -> tuple[str | None, str, np.ndarray]:
    items = {
        item.feedback_id: (item, px) for item, px in FeedbackStore(connect(stack.redis_url)).read()
    }
    item, pixels = items[feedback_id]
    return item.model_version, item.dataset, pixels


def test_a_correction_is_stored_under_the_dataset_of_the_version_that_answered(
    own_stack: Gateway, tmp_path: Path
) -> None:
    publish(own_stack, tmp_path, "fashion-v1", "fashion-mnist")
    response = correct(own_stack, model_version="fashion-v1")
    assert response.status_code == 202, response.text
    version, dataset, pixels = stored(own_stack, response.json()["feedback_id"])
    assert (version, dataset) == ("fashion-v1", "fashion-mnist")
    # Read as a garment, the way the Fashion-MNIST model would have seen it.
    expected = preprocess(PNG, dataset="fashion-mnist")
    assert np.array_equal(pixels, np.rint(expected * 255).astype(np.uint8))


def test_without_a_version_the_correction_is_for_the_active_one(
    own_stack: Gateway, tmp_path: Path
) -> None:
    registry = publish(own_stack, tmp_path, "fashion-v2", "fashion-mnist")
    registry.activate("fashion-v2")
    response = correct(own_stack)
    assert response.status_code == 202, response.text
    version, dataset, _ = stored(own_stack, response.json()["feedback_id"])
    assert (version, dataset) == ("fashion-v2", "fashion-mnist")


def test_a_correction_for_a_version_that_does_not_exist_is_refused(own_stack: Gateway) -> None:
    response = correct(own_stack, model_version="no-such-version")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_model_version"
    assert "no-such-version" in error["message"]


def test_a_dataset_contradicting_the_version_is_refused(own_stack: Gateway, tmp_path: Path) -> None:
    publish(own_stack, tmp_path, "fashion-v3", "fashion-mnist")
    response = correct(own_stack, model_version="fashion-v3", dataset="mnist")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "dataset_mismatch"


def test_with_every_replica_down_feedback_is_503_and_nothing_is_stored(
    own_stack: Gateway, tmp_path: Path
) -> None:
    """The replicas preprocess the image: without one the gateway cannot, and says so."""
    publish(own_stack, tmp_path, "mnist-down", "mnist")
    dead = [f"http://127.0.0.1:{free_port()}"]
    gateway = start_gateway(tmp_path, own_stack.redis_url, [], inference_urls=dead)
    store = FeedbackStore(connect(own_stack.redis_url))
    before = store.count()
    try:
        response = correct(gateway, model_version="mnist-down")
    finally:
        gateway.stop()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "inference_unavailable"
    assert int(response.headers["retry-after"]) >= 1
    assert store.count() == before
