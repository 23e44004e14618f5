"""Hostile uploads get their documented answer (see tests/support/hostile_images.py), never
a 5xx or a stack trace, whichever way they are sent, and the services stay healthy."""

from __future__ import annotations

import base64
import io
import struct

import httpx
import pytest
from PIL import Image

from tests.support.hostile_images import HostileImage, corpus, png_bomb
from tests.support.stack import Stack, assert_no_stack_trace

pytestmark = pytest.mark.integration
CASES = corpus()


def _check(answer: httpx.Response, case: HostileImage) -> None:
    assert_no_stack_trace(answer.content)
    assert answer.status_code == case.expected, (case.name, answer.status_code, answer.text[:300])
    body = answer.json()
    if case.code is None:
        assert 0 <= body["digit"] <= 9 and len(body["probabilities"]) == 10
    else:
        assert body["error"]["code"] == case.code, (case.name, body)
        assert body["error"]["message"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_gateway_answers_each_hostile_upload_as_documented(
    fuzzed: Stack, case: HostileImage
) -> None:
    with httpx.Client(base_url=fuzzed.gateway_url, timeout=30) as http:
        multipart = http.post(
            "/api/v1/predict?compact=true", files={"file": ("upload.png", case.data, "image/png")}
        )
        _check(multipart, case)
        raw = http.post(
            "/api/v1/predict?compact=true", content=case.data, headers={"content-type": "image/png"}
        )
        _check(raw, case)
        if case.data:  # an empty JSON image is a validation error, not an image error
            encoded = base64.b64encode(case.data).decode()
            _check(http.post("/api/v1/predict?compact=true", json={"image": encoded}), case)


def test_a_batch_of_hostile_uploads_never_breaks_the_service(fuzzed: Stack) -> None:
    files = [("files", (case.name, case.data, "application/octet-stream")) for case in CASES]
    with httpx.Client(base_url=fuzzed.gateway_url, timeout=60) as http:
        answer = http.post("/api/v1/predict/batch?compact=true", files=files)
        assert_no_stack_trace(answer.content)
        assert 400 <= answer.status_code < 500, answer.text[:300]
        assert http.get("/readyz").status_code == 200


def test_the_replica_answers_the_corpus_directly_too(fuzzed: Stack) -> None:
    replica = fuzzed.replicas[0].url
    with httpx.Client(base_url=replica, timeout=30) as http:
        for case in CASES:
            answer = http.post(
                "/v1/predict?compact=true", content=case.data, headers={"content-type": "image/png"}
            )
            _check(answer, case)
        assert http.get("/readyz").status_code == 200


def test_the_bomb_is_a_real_png_of_the_size_its_header_claims() -> None:
    """The builder is honest: a smaller bomb made the same way decodes to all-zero pixels of
    the size it claims, and the big one claims 20000×20000 in under a megabyte."""
    small = Image.open(io.BytesIO(png_bomb(2000)))
    small.load()
    assert small.size == (2000, 2000) and small.getextrema() == (0, 0)
    big = png_bomb()
    width, height = struct.unpack(">II", big[16:24])
    assert (width, height) == (20000, 20000)
    assert len(big) < 1_000_000
