"""Every way to send an image, and every bad input's documented status and error code."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from PIL import Image

from .conftest import AppBuilder
from .fakes import client_for, png

Scenario = Callable[[httpx.AsyncClient], Awaitable[Any]]


def run(build_app: AppBuilder, scenario: Scenario, **settings: Any) -> Any:
    app, _ = build_app(**settings)

    async def main() -> Any:
        async with client_for(app) as client:
            return await scenario(client)

    return asyncio.run(main())


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response.headers["x-request-id"]


def test_multipart_raw_and_json_give_the_same_full_prediction(build_app: AppBuilder) -> None:
    image = png()
    b64 = base64.b64encode(image).decode()

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.post("/v1/predict", files={"file": ("d.png", image, "image/png")}),
            await client.post("/v1/predict", content=image, headers={"content-type": "image/png"}),
            await client.post("/v1/predict", json={"image": f"data:image/png;base64,{b64}"}),
            await client.post("/v1/predict", json={"image": b64}),
        ]

    answers = run(build_app, scenario)
    bodies = [r.json() for r in answers]
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    first = bodies[0]
    assert {b["digit"] for b in bodies} == {first["digit"]}
    assert first["model_version"] == "default" and first["dataset"] == "mnist"
    assert answers[0].headers["x-model-version"] == "default"
    assert len(first["probabilities"]) == 10
    assert abs(sum(first["probabilities"]) - 1) < 1e-4
    assert first["confidence"] == pytest.approx(max(first["probabilities"]), abs=1e-5)
    assert first["label"] == str(first["digit"])
    assert set(first["latency_ms"]) >= {"queue", "preprocess", "compute", "total"}
    assert first["latency_ms"]["total"] >= first["latency_ms"]["compute"]
    assert len(first["spikes"]["output_raster"]) == 4  # T steps
    assert len(first["spikes"]["layers"]) == 2
    assert len(first["input"]) == 28 and len(first["input"][0]) == 28
    assert first["energy"]["snn_nj"] > 0 and first["energy"]["ann_nj"] > 0


def test_compact_flag_drops_rasters_and_input(build_app: AppBuilder) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            "/v1/predict?compact=true", content=png(), headers={"content-type": "image/png"}
        )

    body = run(build_app, scenario).json()
    assert "spikes" not in body and "input" not in body
    assert body["energy"]["sops"] > 0 and len(body["probabilities"]) == 10


def test_batch_keeps_file_order(build_app: AppBuilder) -> None:
    one = png()
    cross = png(
        lambda pen: (pen.line([(8, 8), (56, 56)], 0, 6), pen.line([(56, 8), (8, 56)], 0, 6))
    )

    async def scenario(client: httpx.AsyncClient) -> tuple[Any, Any, Any]:
        batch = await client.post(
            "/v1/predict/batch",
            files=[
                ("files", ("a.png", one)),
                ("files", ("b.png", cross)),
                ("files", ("c.png", one)),
            ],
        )
        single_one = await client.post("/v1/predict", files={"file": ("a.png", one)})
        single_cross = await client.post("/v1/predict", files={"file": ("b.png", cross)})
        return batch, single_one.json(), single_cross.json()

    batch, single_one, single_cross = run(build_app, scenario)
    assert batch.status_code == 200, batch.text
    digits = [r["digit"] for r in batch.json()["results"]]
    assert digits == [single_one["digit"], single_cross["digit"], single_one["digit"]]


def _gif_two_frames() -> bytes:
    first = Image.open(io.BytesIO(png())).convert("P")
    second = Image.new("P", (64, 64), 0)
    buf = io.BytesIO()
    first.save(buf, format="GIF", save_all=True, append_images=[second], duration=100)
    return buf.getvalue()


def test_animated_gif_is_read_from_its_first_frame(build_app: AppBuilder) -> None:
    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response]:
        gif = await client.post(
            "/v1/predict", content=_gif_two_frames(), headers={"content-type": "image/gif"}
        )
        still = await client.post(
            "/v1/predict", content=png(), headers={"content-type": "image/png"}
        )
        return gif, still

    gif, still = run(build_app, scenario)
    assert gif.status_code == 200, gif.text
    assert gif.json()["digit"] == still.json()["digit"]


def _truncated_png() -> bytes:
    data = png()
    return data[: len(data) // 2]


def _big_png(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (side, side), 255).save(buf, format="PNG")
    return buf.getvalue()


BAD_BODIES = [
    # (name, content-type, body, status, code)
    ("empty body", "image/png", b"", 400, "invalid_image"),
    (
        "text sent as an image",
        "image/png",
        b"hello, this is not a picture",
        415,
        "unsupported_media_type",
    ),
    (
        "svg",
        "image/svg+xml",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        415,
        "unsupported_media_type",
    ),
    ("truncated png", "image/png", _truncated_png(), 400, "invalid_image"),
    ("unsupported content type", "text/plain", b"7", 415, "unsupported_media_type"),
    ("blank image", "image/png", _big_png(64), 400, "blank_image"),
    ("too many pixels", "image/png", _big_png(300), 413, "payload_too_large"),
]


@pytest.mark.parametrize(
    ("name", "ctype", "body", "status", "code"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_bad_raw_bodies_get_their_documented_error(
    build_app: AppBuilder, name: str, ctype: str, body: bytes, status: int, code: str
) -> None:
    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response]:
        bad = await client.post("/v1/predict", content=body, headers={"content-type": ctype})
        good = await client.post(
            "/v1/predict", content=png(), headers={"content-type": "image/png"}
        )
        return bad, good

    bad, good = run(build_app, scenario, max_image_pixels=50_000)
    assert_error(bad, status, code)
    assert good.status_code == 200  # the service stays healthy


BAD_JSON: list[tuple[str, Any, int, str]] = [
    ("not json", b"{nope", 422, "validation_error"),
    ("missing image", {"picture": "x"}, 422, "validation_error"),
    ("image not a string", {"image": 7}, 422, "validation_error"),
    ("invalid base64", {"image": "@@not base64@@"}, 400, "invalid_image"),
    (
        "data url of text",
        {"image": "data:text/plain;base64,aGVsbG8="},
        415,
        "unsupported_media_type",
    ),
    ("empty image", {"image": ""}, 400, "invalid_image"),
]


@pytest.mark.parametrize(
    ("name", "payload", "status", "code"), BAD_JSON, ids=[b[0] for b in BAD_JSON]
)
def test_bad_json_gets_its_documented_error(
    build_app: AppBuilder, name: str, payload: Any, status: int, code: str
) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        if isinstance(payload, bytes):
            return await client.post(
                "/v1/predict", content=payload, headers={"content-type": "application/json"}
            )
        return await client.post("/v1/predict", json=payload)

    assert_error(run(build_app, scenario), status, code)


def test_missing_multipart_field_is_422(build_app: AppBuilder) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/v1/predict", files={"image": ("d.png", png())})

    assert_error(run(build_app, scenario), 422, "validation_error")


def test_batch_names_the_refused_file(build_app: AppBuilder) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            "/v1/predict/batch",
            files=[("files", ("a.png", png())), ("files", ("b.png", b"not an image at all"))],
        )

    response = run(build_app, scenario)
    assert_error(response, 415, "unsupported_media_type")
    assert response.json()["error"]["message"].startswith("files[1]")


def test_over_the_byte_limit_is_413_before_decoding(build_app: AppBuilder) -> None:
    limit = 64 * 1024
    oversized = png() + b"\0" * limit  # a valid PNG start, padded past the limit

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(oversized), 8192):
            yield oversized[start : start + 8192]

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        declared = await client.post(
            "/v1/predict", content=oversized, headers={"content-type": "image/png"}
        )
        streamed = await client.post(  # no Content-Length: caught while streaming
            "/v1/predict", content=chunks(), headers={"content-type": "image/png"}
        )
        multipart = await client.post("/v1/predict", files={"file": ("big.png", oversized)})
        as_json = await client.post(
            "/v1/predict", json={"image": base64.b64encode(oversized).decode()}
        )
        healthy = await client.post("/v1/predict", files={"file": ("ok.png", png())})
        return [declared, streamed, multipart, as_json, healthy]

    *refused, healthy = run(build_app, scenario, max_upload_bytes=limit)
    for response in refused:
        assert_error(response, 413, "payload_too_large")
    assert healthy.status_code == 200


def test_too_many_files_in_a_batch_is_413(build_app: AppBuilder) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        files = [("files", (f"{i}.png", png())) for i in range(4)]
        return await client.post("/v1/predict/batch", files=files)

    assert_error(run(build_app, scenario, max_batch_files=3), 413, "payload_too_large")
