"""The Open Inference Protocol against the real stack, spoken by tritonclient.

A client of KServe v2 (here NVIDIA's own HTTP client, in its default binary form and in plain
JSON) must get the same probabilities as ``/api/v1/predict`` for the same digit, through both
the FP32 (preprocessed) and the BYTES (encoded image) input, and protocol errors it can read.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from spikeglyph.data.idx import read_idx
from spikeglyph.preprocess import preprocess
from tests.support.stack import Stack, StackConfig, stack_model

httpclient = pytest.importorskip(
    "tritonclient.http", reason="tritonclient[http] (dev extra) is not installed"
)
from tritonclient.utils import InferenceServerException  # noqa: E402

pytestmark = [pytest.mark.integration]
MODEL = "spikeglyph"


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    config = StackConfig(model_dir=stack_model(request))
    with Stack(config, tmp_path_factory.mktemp("oip")).started() as running:
        running.publish_copy("oip-published-not-active")
        yield running


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[object]:
    triton = httpclient.InferenceServerClient(url=stack.gateway_url.removeprefix("http://"))
    yield triton
    triton.close()


@pytest.fixture(scope="module")
def digits(data_dir: Path) -> list[bytes]:
    images = read_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")[:3]
    pngs = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs


def _api_probabilities(stack: Stack, png: bytes) -> list[float]:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/predict",
        files={"file": ("d.png", png, "image/png")},
        params={"compact": "true"},
        timeout=30,
    )
    answer.raise_for_status()
    probabilities: list[float] = answer.json()["probabilities"]
    return probabilities


def _outputs(binary: bool) -> list[object]:
    names = ("probabilities", "output_spikes", "layer_spikes")
    return [httpclient.InferRequestedOutput(name, binary_data=binary) for name in names]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_fp32_and_bytes_inputs_match_the_rest_api(
    stack: Stack, client: object, digits: list[bytes], binary: bool
) -> None:
    expected = np.array([_api_probabilities(stack, png) for png in digits], dtype=np.float32)
    pixels = np.stack([preprocess(png, dataset="mnist") for png in digits])[:, None]
    fp32 = httpclient.InferInput("image", list(pixels.shape), "FP32")
    fp32.set_data_from_numpy(pixels.astype(np.float32), binary_data=binary)
    encoded = httpclient.InferInput("image", [len(digits)], "BYTES")
    if binary:
        encoded.set_data_from_numpy(np.array(digits, dtype=np.object_))
    else:  # JSON carries BYTES as strings: the encoded images in base64
        texts = [base64.b64encode(png).decode() for png in digits]
        encoded.set_data_from_numpy(np.array(texts, dtype=np.object_), binary_data=False)
    for tensor in (fp32, encoded):
        result = client.infer(MODEL, [tensor], outputs=_outputs(binary))  # type: ignore[attr-defined]
        np.testing.assert_allclose(result.as_numpy("probabilities"), expected, atol=1e-6)
        spikes = result.as_numpy("output_spikes")
        assert spikes.shape == (3, 10) and spikes.dtype == np.int32
        layers = result.as_numpy("layer_spikes")
        assert layers.shape[0] == 3 and layers.sum() > 0


def test_default_request_answers_every_output_in_binary(
    client: object, digits: list[bytes]
) -> None:
    encoded = httpclient.InferInput("image", [1], "BYTES")
    encoded.set_data_from_numpy(np.array(digits[:1], dtype=np.object_))
    result = client.infer(MODEL, [encoded], request_id="r-1")  # type: ignore[attr-defined]
    assert result.get_response()["id"] == "r-1"
    assert result.as_numpy("probabilities").shape == (1, 10)
    assert {o["name"] for o in result.get_response()["outputs"]} == {
        "probabilities",
        "output_spikes",
        "layer_spikes",
    }


def test_bad_tensor_gets_the_protocol_error(stack: Stack, client: object) -> None:
    wrong = httpclient.InferInput("image", [1, 1, 28, 28], "FP32")
    wrong.set_data_from_numpy(np.full((1, 1, 28, 28), 255.0, dtype=np.float32))
    with pytest.raises(InferenceServerException, match=r"0\.\.1") as caught:
        client.infer(MODEL, [wrong])  # type: ignore[attr-defined]
    assert caught.value.status() == "400"
    raw = httpx.post(
        f"{stack.gateway_url}/v2/models/{MODEL}/infer",
        json={
            "inputs": [{"name": "image", "datatype": "FP32", "shape": [1, 1, 28, 28], "data": [0]}]
        },
    )
    assert raw.status_code == 400
    assert isinstance(raw.json()["error"], str) and "784" in raw.json()["error"]
    other = httpx.post(f"{stack.gateway_url}/v2/models/other/infer", json={"inputs": []})
    assert other.status_code == 404 and "other" in other.json()["error"]
    many = {"name": "image", "datatype": "BYTES", "shape": [65], "data": ["aGk="] * 65}
    too_many = httpx.post(f"{stack.gateway_url}/v2/models/{MODEL}/infer", json={"inputs": [many]})
    assert too_many.status_code == 413 and "at most 64" in too_many.json()["error"]
    blank = {"name": "image", "datatype": "BYTES", "shape": [1], "data": ["aGk="]}
    refused = httpx.post(f"{stack.gateway_url}/v2/models/{MODEL}/infer", json={"inputs": [blank]})
    assert refused.status_code in (400, 415) and refused.json()["error"].startswith("image[0]")


def test_health_and_metadata(stack: Stack, client: object) -> None:
    assert client.is_server_live() and client.is_server_ready()  # type: ignore[attr-defined]
    assert client.is_model_ready(MODEL)  # type: ignore[attr-defined]
    assert not client.is_model_ready("other")  # type: ignore[attr-defined]
    meta = client.get_model_metadata(MODEL)  # type: ignore[attr-defined]
    assert meta["name"] == MODEL and "oip-published-not-active" in meta["versions"]
    assert meta["inputs"] == [{"name": "image", "datatype": "FP32", "shape": [-1, 1, 28, 28]}]
    server = client.get_server_metadata()  # type: ignore[attr-defined]
    assert "binary_tensor_data" in server["extensions"]
    served = httpx.get(f"{stack.gateway_url}/api/v1/models/active").json()["version"]
    assert client.is_model_ready(MODEL, served)  # type: ignore[attr-defined]
    assert client.get_model_metadata(MODEL, served)["versions"] == [served]  # type: ignore[attr-defined]
    with pytest.raises(InferenceServerException) as caught:
        client.get_model_metadata(MODEL, "no-such-version")  # type: ignore[attr-defined]
    assert caught.value.status() == "404"


def test_versioned_infer_loads_a_published_version_on_demand(
    stack: Stack, client: object, digits: list[bytes]
) -> None:
    served = httpx.get(f"{stack.gateway_url}/api/v1/models/active").json()["version"]
    encoded = httpclient.InferInput("image", [1], "BYTES")
    encoded.set_data_from_numpy(np.array(digits[:1], dtype=np.object_))
    answers = {}
    for version in (served, "oip-published-not-active"):
        result = client.infer(MODEL, [encoded], model_version=version)  # type: ignore[attr-defined]
        assert result.get_response()["model_version"] == version
        answers[version] = result.as_numpy("probabilities")
    # the published copy has the served weights: same numbers, from another version's session
    np.testing.assert_array_equal(answers[served], answers["oip-published-not-active"])
    assert client.is_model_ready(MODEL, "oip-published-not-active")  # type: ignore[attr-defined]
    with pytest.raises(InferenceServerException, match="no-such-version") as caught:
        client.infer(MODEL, [encoded], model_version="no-such-version")  # type: ignore[attr-defined]
    assert caught.value.status() == "404"
    # the served version keeps answering through the batcher, unchanged
    result = client.infer(MODEL, [encoded])  # type: ignore[attr-defined]
    assert result.get_response()["model_version"] == served
