"""The real service process: right answers on real MNIST digits, documented errors, metrics."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from spikeglyph.data import load_split
from spikeglyph.preprocess import preprocess
from spikeglyph.runtime import ModelRunner
from tests.support.procs import ServiceProcess

pytestmark = pytest.mark.integration
Start = Callable[..., tuple[ServiceProcess, str]]
N_DIGITS = 64


def _png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def mnist_test_digits(data_dir: Path) -> tuple[list[bytes], np.ndarray]:
    images, labels = load_split(data_dir, "mnist", "test", download=False)
    return [_png(img) for img in images[:N_DIGITS]], labels[:N_DIGITS].astype(int)


def test_real_mnist_digits_are_recognised(
    start_inference: Start, model_dir: Path, mnist_test_digits: tuple[list[bytes], np.ndarray]
) -> None:
    pngs, labels = mnist_test_digits
    _, url = start_inference()
    with httpx.Client(base_url=url, timeout=30) as client:
        batch = client.post(
            "/v1/predict/batch?compact=true",
            files=[("files", (f"{i}.png", data, "image/png")) for i, data in enumerate(pngs)],
        )
        single = client.post("/v1/predict", files={"file": ("0.png", pngs[0], "image/png")})
    assert batch.status_code == 200, batch.text
    served = np.array([r["digit"] for r in batch.json()["results"]])
    # exactly what the model answers in-process for the same preprocessed images
    runner = ModelRunner(model_dir, device="cpu")
    local = runner.run(np.stack([preprocess(p) for p in pngs])).logits.argmax(axis=1)
    np.testing.assert_array_equal(served, local)
    assert (served == labels).mean() >= 0.5  # chance is 0.1
    full = single.json()
    assert full["digit"] == served[0]
    assert full["model_version"] == "shipped-default"
    assert len(full["spikes"]["output_raster"]) == runner.manifest.timesteps
    assert full["spikes"]["layers"] and full["energy"]["sops"] > 0
    assert full["latency_ms"]["total"] > 0
    timing = dict(
        (part.split(";dur=")[0].strip(), float(part.split(";dur=")[1]))
        for part in single.headers["server-timing"].split(",")
    )
    assert list(timing) == ["parse", "preprocess", "queue", "compute", "serialise", "app"]
    assert timing["compute"] == full["latency_ms"]["compute"]
    # the route's whole time holds its parts
    assert timing["app"] >= timing["parse"] + full["latency_ms"]["total"] - 0.01


def test_a_fashion_model_answers_garments_in_the_garment_layout(
    start_inference: Start, data_dir: Path
) -> None:
    """The shipped Fashion-MNIST model, served as the default: garment names come back, and
    the service prepares images the way garments are laid out (not the digits' way)."""
    models = Path(__file__).resolve().parents[3] / "models"
    images, labels = load_split(data_dir, "fashion-mnist", "test", download=False)
    pngs = [_png(img) for img in images[:N_DIGITS]]
    _, url = start_inference(models_dir=str(models), default_dataset="fashion-mnist")
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post(
            "/v1/predict/batch?compact=true",
            files=[("files", (f"{i}.png", data, "image/png")) for i, data in enumerate(pngs)],
        )
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    runner = ModelRunner(models / "fashion-mnist", device="cpu")
    names = runner.manifest.class_names
    assert names[1] == "Trouser"
    assert all(r["dataset"] == "fashion-mnist" and r["class_names"] == names for r in results)
    assert all(r["label"] == names[r["digit"]] for r in results)
    prepared = np.stack([preprocess(p, dataset="fashion-mnist") for p in pngs])
    local = runner.run(prepared).logits.argmax(axis=1)
    np.testing.assert_array_equal([r["digit"] for r in results], local)
    if len(images) == 10_000:  # the real test split (not the small generated stand-in)
        assert (local == labels[:N_DIGITS]).mean() >= 0.85


BAD = [
    ("empty", {"content": b"", "headers": {"content-type": "image/png"}}, 400, "invalid_image"),
    (
        "text",
        {"content": b"not an image", "headers": {"content-type": "image/png"}},
        415,
        "unsupported_media_type",
    ),
    (
        "truncated",
        {
            "content": _png(np.full((28, 28), 255, np.uint8))[:40],
            "headers": {"content-type": "image/png"},
        },
        400,
        "invalid_image",
    ),
    (
        "wrong type",
        {"content": b"7", "headers": {"content-type": "text/plain"}},
        415,
        "unsupported_media_type",
    ),
    ("wrong json", {"json": {"img": "x"}}, 422, "validation_error"),
    (
        "blank",
        {"content": _png(np.zeros((28, 28), np.uint8)), "headers": {"content-type": "image/png"}},
        400,
        "blank_image",
    ),
    (
        "too many pixels",
        {"content": _png(np.zeros((200, 200), np.uint8)), "headers": {"content-type": "image/png"}},
        413,
        "payload_too_large",
    ),
    (
        "too many bytes",
        {
            "content": b"\x89PNG\r\n\x1a\n" + b"\0" * 40_000,
            "headers": {"content-type": "image/png"},
        },
        413,
        "payload_too_large",
    ),
]


def test_bad_inputs_get_documented_errors_and_the_service_stays_healthy(
    start_inference: Start, mnist_test_digits: tuple[list[bytes], np.ndarray]
) -> None:
    proc, url = start_inference(max_upload_bytes="32768", max_image_pixels="10000")
    with httpx.Client(base_url=url, timeout=30) as client:
        for name, kwargs, status, code in BAD:
            response = client.post("/v1/predict", **kwargs)  # type: ignore[arg-type]
            assert response.status_code == status, (name, response.text)
            error = response.json()["error"]
            assert error["code"] == code, name
            assert "Traceback" not in response.text
        streamed = client.post(  # chunked, no Content-Length: refused while it arrives
            "/v1/predict",
            content=(b"\x89PNG\r\n\x1a\n" + bytes(8184) for _ in range(100)),
            headers={"content-type": "image/png"},
        )
        assert streamed.status_code == 413
        assert "32768 bytes" in streamed.json()["error"]["message"]
        assert client.get("/nowhere").json()["error"]["code"] == "not_found"
        good = client.post(
            "/v1/predict", content=mnist_test_digits[0][0], headers={"content-type": "image/png"}
        )
        assert good.status_code == 200
        assert client.get("/readyz").status_code == 200
    assert proc.alive()


def test_metrics_model_and_openapi(
    start_inference: Start, mnist_test_digits: tuple[list[bytes], np.ndarray]
) -> None:
    _, url = start_inference()
    with httpx.Client(base_url=url, timeout=30) as client:
        for data in mnist_test_digits[0][:3]:
            client.post(
                "/v1/predict?compact=true", content=data, headers={"content-type": "image/png"}
            )
        client.post("/v1/predict", content=b"", headers={"content-type": "image/png"})
        metrics = client.get("/metrics").text
        model = client.get("/v1/model").json()
        openapi = client.get("/openapi.json").json()
        rid = client.get("/healthz", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"]
    for series in (
        'spikeglyph_inference_requests_total{route="/v1/predict",status="200"} 3.0',
        'spikeglyph_inference_requests_total{route="/v1/predict",status="400"} 1.0',
        "spikeglyph_inference_queue_seconds_bucket",
        "spikeglyph_inference_preprocess_seconds_bucket",
        "spikeglyph_inference_compute_seconds_bucket",
        "spikeglyph_inference_batch_size_bucket",
        'spikeglyph_inference_model_info{dataset="mnist",device="cpu",'
        'version="shipped-default"} 1.0',
    ):
        assert series in metrics, series
    assert model["version"] == "shipped-default" and model["active"] is True
    assert model["device"] == "cpu" and "files" in model
    assert {"/v1/predict", "/v1/predict/batch", "/v1/model", "/readyz"} <= set(openapi["paths"])
    body = openapi["paths"]["/v1/predict"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "image/*", "application/json"} <= set(body)
    assert rid == "trace-42"
