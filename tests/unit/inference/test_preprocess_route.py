"""``POST /v1/preprocess``: the image a prediction would see, as the 784 bytes feedback stores,
and every refusal a prediction would give, with the same status and code."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from spikeglyph.preprocess import preprocess
from spikeglyph.server.internal_token import bearer_header

from .conftest import AppBuilder
from .fakes import png
from .test_predict_inputs import BAD_BODIES, assert_error, run


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_the_answer_is_the_preprocessed_image_of_that_dataset_as_uint8(
    build_app: AppBuilder, dataset: str
) -> None:
    image = png()

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            "/v1/preprocess",
            params={"dataset": dataset},
            content=image,
            headers={"content-type": "application/octet-stream"},
        )

    answer = run(build_app, scenario)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/octet-stream"
    expected = np.rint(preprocess(image, dataset=dataset) * 255).astype(np.uint8)
    assert answer.content == expected.tobytes() and len(answer.content) == 784


def test_the_two_datasets_lay_an_image_out_differently(build_app: AppBuilder) -> None:
    """The query decides the layout, not the served model's dataset (mnist here)."""

    async def scenario(client: httpx.AsyncClient) -> list[bytes]:
        answers = [
            await client.post("/v1/preprocess", params={"dataset": d}, content=png())
            for d in ("mnist", "fashion-mnist")
        ]
        return [a.content for a in answers]

    mnist, fashion = run(build_app, scenario)
    assert mnist != fashion


@pytest.mark.parametrize(
    ("name", "ctype", "body", "status", "code"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_a_refused_image_gets_the_error_a_prediction_gets(
    build_app: AppBuilder, name: str, ctype: str, body: bytes, status: int, code: str
) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            "/v1/preprocess",
            params={"dataset": "mnist"},
            content=body,
            headers={"content-type": ctype},
        )

    assert_error(run(build_app, scenario, max_image_pixels=50_000), status, code)


def test_an_image_over_the_byte_limit_is_413_and_an_unknown_dataset_422(
    build_app: AppBuilder,
) -> None:
    noise = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(noise, format="PNG")
    assert len(noise.getvalue()) > 1024

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.post(
                "/v1/preprocess", params={"dataset": "mnist"}, content=noise.getvalue()
            ),
            await client.post("/v1/preprocess", params={"dataset": "cifar"}, content=png()),
            await client.post("/v1/preprocess", content=png()),
        ]

    too_big, unknown, missing = run(build_app, scenario, max_upload_bytes=1024)
    assert_error(too_big, 413, "payload_too_large")
    assert_error(unknown, 422, "validation_error")
    assert_error(missing, 422, "validation_error")


def test_it_is_internal_like_every_replica_route(build_app: AppBuilder) -> None:
    token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        call = {"params": {"dataset": "mnist"}, "content": png()}
        return [
            await client.post("/v1/preprocess", **call),  # type: ignore[arg-type]
            await client.post("/v1/preprocess", headers=bearer_header(token), **call),  # type: ignore[arg-type]
        ]

    without, with_token = run(build_app, scenario, internal_token=token)
    assert without.status_code == 401 and with_token.status_code == 200
