"""Version names cannot leave the artifact store, and a tampered artifact is never served."""

from __future__ import annotations

import hashlib
import http.client
import json
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from tests.support.hostile_images import digit_array, encode
from tests.support.stack import API_KEY, Stack, assert_no_stack_trace

pytestmark = pytest.mark.integration

DIGIT = encode(Image.fromarray(digit_array()), "PNG")
# Sent byte for byte (no client-side dot-segment normalisation).
TRAVERSAL_PATHS = [
    "..",
    "../../etc",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fartifacts",
    "..%5c..%5cwindows",
    ".hidden",
    "v1%00",
    "%2Fetc%2Fpasswd",
    "~root",
]
TRAVERSAL_NAMES = ["../../etc/passwd", "..", "/etc/passwd", "a/../../b", ".staging.tmp", "v1\x00"]


def _raw_post(base_url: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("POST", path, headers={"X-API-Key": API_KEY})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_activate_refuses_traversal_in_the_version(secured: Stack, http: httpx.Client) -> None:
    before = http.get("/api/v1/models/active").json()["version"]
    for name in TRAVERSAL_PATHS:
        status, body = _raw_post(secured.gateway_url, f"/api/v1/models/{name}/activate")
        assert_no_stack_trace(body)
        assert 400 <= status < 500, (name, status, body[:200])
        assert json.loads(body)["error"]["code"], body
    assert http.get("/api/v1/models/active").json()["version"] == before


@pytest.mark.parametrize(
    ("kind", "field"),
    [("evaluate", "version"), ("finetune", "base_version"), ("neurogenesis", "base_version")],
)
def test_job_parameters_naming_a_version_refuse_traversal(
    http: httpx.Client, key: dict[str, str], kind: str, field: str
) -> None:
    """A path in a job's version parameter is refused at submission, before it is queued."""
    for name in TRAVERSAL_NAMES:
        answer = http.post(
            "/api/v1/jobs", headers=key, json={"kind": kind, "params": {field: name}}
        )
        assert answer.status_code in (400, 422), (kind, name, answer.status_code, answer.text)


def _served_version(http: httpx.Client) -> str:
    answer = http.post(
        "/api/v1/predict?compact=true", content=DIGIT, headers={"content-type": "image/png"}
    )
    assert answer.status_code == 200, answer.text
    version: str = answer.json()["model_version"]
    return version


def test_a_tampered_artifact_is_refused_and_the_old_model_keeps_serving(
    secured: Stack, http: httpx.Client, key: dict[str, str]
) -> None:
    served = _served_version(http)
    secured.publish_copy("tampered-graph")
    graph = secured.artifacts_dir / "tampered-graph" / "model.onnx"
    damaged = bytearray(graph.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit
    graph.write_bytes(bytes(damaged))

    answer = http.post("/api/v1/models/tampered-graph/activate", headers=key)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "checksum_mismatch"
    assert _served_version(http) == served
    assert http.get("/api/v1/models/active").json()["version"] == served


def test_rewriting_the_manifest_to_match_a_tampered_file_does_not_help(
    secured: Stack, http: httpx.Client, key: dict[str, str]
) -> None:
    """The registry keeps its own copy of each manifest: the one on disk cannot vouch for itself."""
    served = _served_version(http)
    secured.publish_copy("tampered-both")
    directory = secured.artifacts_dir / "tampered-both"
    graph = directory / "model.onnx"
    graph.write_bytes(graph.read_bytes() + b"\x00payload")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["files"]["model.onnx"] = hashlib.sha256(graph.read_bytes()).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(manifest))

    answer = http.post("/api/v1/models/tampered-both/activate", headers=key)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] in ("checksum_mismatch", "invalid_model")
    assert _served_version(http) == served
