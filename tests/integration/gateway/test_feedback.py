"""Feedback through the gateway: the preprocessed image and label land in the store."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from spikeglyph.registry import FeedbackStore
from tests.integration.gateway.stack import Gateway
from tests.integration.gateway.test_predict import PNG

pytestmark = pytest.mark.integration


def test_feedback_is_preprocessed_and_stored(stack: Gateway, http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/feedback",
        files={"file": ("seven.png", PNG, "image/png")},
        data={"label": "7", "model_version": "mnist-v1"},
    )
    assert response.status_code == 202
    feedback_id = response.json()["feedback_id"]
    stored = {
        item.feedback_id: (item, pixels)
        for item, pixels in FeedbackStore.from_url(stack.redis_url).read()
    }
    item, pixels = stored[feedback_id]
    assert item.label == 7 and item.model_version == "mnist-v1" and item.dataset == "mnist"
    assert pixels.shape == (28, 28) and pixels.dtype == np.uint8
    # MNIST form: ink is bright, the digit's centre of mass is near the middle.
    rows, cols = np.nonzero(pixels > 64)
    assert 10 <= rows.mean() <= 18 and 10 <= cols.mean() <= 18


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
