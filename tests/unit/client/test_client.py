"""The Python client against an in-memory gateway double: encoding, errors, SSE following."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from email.message import Message
from email.parser import BytesParser

import httpx
import numpy as np
import pytest
from PIL import Image

from spikeglyph.client import (
    AsyncSpikeGlyphClient,
    SpikeGlyphAPIError,
    SpikeGlyphClient,
    SpikeGlyphConnectionError,
)
from spikeglyph.schemas import JobState

PREDICTION = {
    "digit": 3,
    "label": "3",
    "probabilities": [0.1] * 10,
    "confidence": 0.1,
    "class_names": [str(d) for d in range(10)],
    "model_version": "v1",
    "dataset": "mnist",
    "latency_ms": {"total": 2.0, "gateway": 0.5},
    "energy": {"sops": 1, "macs": 1, "snn_nj": 1, "ann_macs": 1, "ann_nj": 1, "ratio": 1},
}

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, **kwargs: object) -> SpikeGlyphClient:
    return SpikeGlyphClient(
        "http://gw",
        transport=httpx.MockTransport(handler),
        **kwargs,  # type: ignore[arg-type]
    )


def multipart(request: httpx.Request) -> dict[str, Message]:
    """The parts of a multipart body by field name (parsed with the stdlib email parser)."""
    raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser().parsebytes(raw + request.content)
    return {
        str(part.get_param("name", header="content-disposition")): part
        for part in message.walk()
        if not part.is_multipart()
    }


def uploaded_file(request: httpx.Request) -> bytes:
    """The bytes of the multipart ``file`` part."""
    payload = multipart(request)["file"].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def form_fields(request: httpx.Request) -> dict[str, str]:
    """The plain (non-file) fields of a multipart body."""
    return {
        name: str(part.get_payload())
        for name, part in multipart(request).items()
        if part.get_filename() is None
    }


def test_an_array_is_png_encoded_and_the_answer_typed() -> None:
    received: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/predict"
        assert request.url.params.get("compact") == "true"
        received.append(uploaded_file(request))
        return httpx.Response(200, json=PREDICTION)

    digit = np.zeros((28, 28), dtype=np.float32)
    digit[5:23, 12:16] = 1.0
    with client(handler) as sg:
        prediction = sg.predict(digit, compact=True)
    assert prediction.digit == 3 and prediction.latency_ms.gateway == 0.5
    decoded = np.asarray(Image.open(io.BytesIO(received[0])))
    assert decoded.shape == (28, 28) and decoded[10, 13] == 255 and decoded[0, 0] == 0


def test_paths_and_bytes_are_sent_as_they_are(tmp_path) -> None:
    png = io.BytesIO()
    Image.new("L", (8, 8), 0).save(png, format="PNG")
    path = tmp_path / "digit.png"
    path.write_bytes(png.getvalue())
    received: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(uploaded_file(request))
        return httpx.Response(200, json=PREDICTION)

    with client(handler) as sg:
        sg.predict(path)
        sg.predict(png.getvalue())
    assert received == [png.getvalue(), png.getvalue()]


def test_api_errors_raise_with_status_code_and_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "rate_limited", "message": "slow down", "request_id": "r1"}}
        return httpx.Response(429, json=body, headers={"Retry-After": "7"})

    with client(handler) as sg, pytest.raises(SpikeGlyphAPIError) as caught:
        sg.feedback(b"\x89PNG\r\n\x1a\n", 3)
    error = caught.value
    assert (error.status, error.code, error.message) == (429, "rate_limited", "slow down")
    assert error.request_id == "r1" and error.retry_after == 7


def test_a_foreign_error_page_still_raises_with_the_status() -> None:
    bad_gateway = client(lambda r: httpx.Response(502, text="<html>bad gateway</html>"))
    with bad_gateway as sg, pytest.raises(SpikeGlyphAPIError) as caught:
        sg.models()
    assert caught.value.status == 502 and caught.value.code == "http_502"


def test_an_unreachable_gateway_raises_a_connection_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with client(handler) as sg, pytest.raises(SpikeGlyphConnectionError):
        sg.active_model()


def test_feedback_names_the_version_that_answered() -> None:
    forms: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        forms.append(form_fields(request))
        return httpx.Response(202, json={"feedback_id": "f1"})

    with client(handler) as sg:
        assert sg.feedback(b"\x89PNG\r\n\x1a\n", 7, model_version="mnist-v3") == "f1"
        sg.feedback(b"\x89PNG\r\n\x1a\n", label=2)
        sg.feedback(b"\x89PNG\r\n\x1a\n", label=4, confirmed=True)
    assert forms == [
        {"label": "7", "model_version": "mnist-v3"},
        {"label": "2"},
        {"label": "4", "confirmed": "true"},
    ]


def test_protected_calls_carry_the_key_and_others_do_not() -> None:
    keys: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        keys[request.method + " " + request.url.path] = request.headers.get("x-api-key")
        if request.method == "POST" and request.url.path == "/api/v1/jobs":
            assert json.loads(request.content) == {"kind": "train", "params": {"epochs": 2}}
            return httpx.Response(202, json={"job_id": "j1"})
        return httpx.Response(200, json=[])

    with client(handler, api_key="the-key") as sg:
        assert sg.submit_job("train", {"epochs": 2}) == "j1"
        assert sg.models() == []
    assert keys == {"POST /api/v1/jobs": "the-key", "GET /api/v1/models": None}


def sse(events: list[tuple[str, str, dict[str, object]]], heartbeat: bool = True) -> bytes:
    frames = ["retry: 2000\n\n"] + ([": keepalive\n\n"] if heartbeat else [])
    for event_id, kind, data in events:
        frames.append(f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data)}\n\n")
    return "".join(frames).encode()


def event(kind: str, state: str, step: int | None = None) -> dict[str, object]:
    progress = {"phase": "training", "step": step} if step is not None else None
    return {"job_id": "j1", "type": kind, "state": state, "progress": progress}


def stream_server() -> tuple[Handler, list[str | None]]:
    """First connection drops after one event; the resumed one finishes the job."""
    resumed_from: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            last = request.headers.get("last-event-id")
            resumed_from.append(last)
            if last is None:
                body = sse([("1-0", "progress", event("progress", "running", 1))])
            else:
                body = sse(
                    [
                        ("2-0", "progress", event("progress", "running", 2)),
                        ("3-0", "final", event("final", "succeeded")),
                    ]
                )
            return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
        info = {"job_id": "j1", "kind": "train", "state": "succeeded", "result": {"version": "v2"}}
        return httpx.Response(200, json=info)

    return handler, resumed_from


def test_following_a_job_resumes_after_a_dropped_stream() -> None:
    handler, resumed_from = stream_server()
    with client(handler) as sg:
        events = list(sg.follow_job("j1"))
        final = sg.wait_job("j1", timeout=5)
    assert [(e.type, e.progress.step if e.progress else None) for e in events] == [
        ("progress", 1),
        ("progress", 2),
        ("final", None),
    ]
    assert resumed_from[:2] == [None, "1-0"]
    assert final.state is JobState.succeeded and final.result == {"version": "v2"}


def test_the_async_client_follows_the_same_way() -> None:
    handler, _ = stream_server()

    async def follow() -> list[str]:
        async with AsyncSpikeGlyphClient("http://gw", transport=httpx.MockTransport(handler)) as sg:
            kinds = [e.type async for e in sg.follow_job("j1")]
            info = await sg.wait_job("j1", timeout=5)
            assert info.state is JobState.succeeded
            return kinds

    assert asyncio.run(follow()) == ["progress", "progress", "final"]


def test_a_job_that_never_ends_times_out() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        def forever() -> Iterator[bytes]:
            while True:
                yield b": keepalive\n\n"

        return httpx.Response(200, content=forever(), headers={"content-type": "text/event-stream"})

    with client(handler) as sg, pytest.raises(TimeoutError):
        list(sg.follow_job("j1", timeout=0.2))


def test_a_refused_event_stream_raises_the_api_error_at_once(waits: list[float]) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        body = {"error": {"code": "job_not_found", "message": "no job j9"}}
        return httpx.Response(404, json=body)

    with client(handler) as sg, pytest.raises(SpikeGlyphAPIError) as caught:
        list(sg.follow_job("j9"))
    assert (caught.value.status, caught.value.code) == (404, "job_not_found")
    assert seen == ["/api/v1/jobs/j9/events"] and waits == []


def test_a_stream_that_keeps_dropping_gives_up_with_a_connection_error() -> None:
    from spikeglyph.client.events import MAX_RECONNECTS

    opened: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        opened.append(request.headers.get("last-event-id"))
        return httpx.Response(200, content=sse([]), headers={"content-type": "text/event-stream"})

    with client(handler) as sg, pytest.raises(SpikeGlyphConnectionError, match="ended before"):
        list(sg.follow_job("j1"))
    assert len(opened) == MAX_RECONNECTS + 1


def test_methods_keep_their_signature_and_docstring() -> None:
    import inspect

    blocking, awaited = SpikeGlyphClient("http://gw"), AsyncSpikeGlyphClient("http://gw")
    for method in (blocking.feedback, awaited.feedback):
        assert list(inspect.signature(method).parameters) == [
            "image",
            "label",
            "model_version",
            "confirmed",
        ]
        assert method.__doc__ and "feedback_id" in method.__doc__
        assert method.__name__ == "feedback"
    blocking.close()
    asyncio.run(awaited.close())


LAYERS_PROBE = """
import sys
import spikeglyph.client
forbidden = {"redis", "onnxruntime", "fastapi", "starlette", "torch", "snntorch", "typer"}
print(",".join(sorted({name.split(".")[0] for name in sys.modules} & forbidden)))
"""


def test_the_client_imports_no_server_runtime_or_training_code() -> None:
    probe = [sys.executable, "-c", LAYERS_PROBE]
    result = subprocess.run(probe, capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == ""
