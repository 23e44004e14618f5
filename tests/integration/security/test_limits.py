"""Rate and size limits trip with the documented status, body and Retry-After."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.integration.security.conftest import FEEDBACK_BURST, MAX_UPLOAD_BYTES
from tests.support.hostile_images import digit_array, encode

pytestmark = pytest.mark.integration

DIGIT = encode(Image.fromarray(digit_array()), "PNG")
# Valid PNG bytes followed by padding: big, but an image up to the point it is refused.
OVERSIZED = DIGIT + bytes(MAX_UPLOAD_BYTES + 1 - len(DIGIT))


def _error(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text[:300]
    code: str = answer.json()["error"]["code"]
    return code


def test_feedback_beyond_its_burst_is_refused_with_retry_after(http: httpx.Client) -> None:
    statuses = []
    for _ in range(FEEDBACK_BURST + 2):
        answer = http.post(
            "/api/v1/feedback", files={"file": ("7.png", DIGIT, "image/png")}, data={"label": "7"}
        )
        statuses.append(answer.status_code)
    assert statuses[:FEEDBACK_BURST] == [202] * FEEDBACK_BURST
    assert statuses[FEEDBACK_BURST:] == [429, 429]
    assert _error(answer, 429) == "rate_limited"
    assert int(answer.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "route",
    ["/api/v1/predict", "/api/v1/predict/batch", "/api/v1/feedback"],
)
def test_multipart_uploads_over_the_limit_are_413(http: httpx.Client, route: str) -> None:
    field = "files" if route.endswith("batch") else "file"
    answer = http.post(
        route, files={field: ("big.png", OVERSIZED, "image/png")}, data={"label": "1"}
    )
    assert _error(answer, 413) == "payload_too_large"


def test_raw_and_json_bodies_over_the_limit_are_413(http: httpx.Client) -> None:
    raw = http.post("/api/v1/predict", content=OVERSIZED, headers={"content-type": "image/png"})
    assert _error(raw, 413) == "payload_too_large"
    data_url = "data:image/png;base64," + base64.b64encode(OVERSIZED).decode()
    assert _error(http.post("/api/v1/predict", json={"image": data_url}), 413)


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield DIGIT
        for _ in range(8):
            yield bytes(MAX_UPLOAD_BYTES // 4)

    answer = http.post("/api/v1/predict", content=chunks(), headers={"content-type": "image/png"})
    assert _error(answer, 413) == "payload_too_large"


def test_a_small_image_still_passes_after_the_refusals(http: httpx.Client) -> None:
    answer = http.post(
        "/api/v1/predict?compact=true", content=DIGIT, headers={"content-type": "image/png"}
    )
    assert answer.status_code == 200
    assert 0 <= answer.json()["digit"] <= 9
