"""Retries: the server's Retry-After honoured within bounds, state-changing calls sent once.

Each behaviour is checked on both clients; the ``waits`` fixture records the sleeps stamina
asks for instead of sleeping them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from spikeglyph.client import (
    AsyncSpikeGlyphClient,
    RetryPolicy,
    SpikeGlyphAPIError,
    SpikeGlyphClient,
    SpikeGlyphConnectionError,
)
from spikeglyph.client.errors import retry_after_seconds
from spikeglyph.client.retries import BACKOFF_MAX_S, RetryDecision
from tests.unit.client.test_client import PREDICTION

PNG = b"\x89PNG\r\n\x1a\n"
MODEL = {"version": "v1", "active": True}
JOB = {"job_id": "j1", "kind": "train", "state": "cancelled"}
REGISTRY_EVENT = {"type": "activated", "version": "v1"}
Answer = httpx.Response | type[httpx.TransportError]


def busy(status: int, retry_after: str | None = None) -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    body = {"error": {"code": "busy", "message": "not now"}}
    return httpx.Response(status, json=body, headers=headers)


class Server:
    """Answers requests from a script (the last answer repeats) and remembers them."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, type):
            raise answer("no route to the gateway", request=request)
        return answer


@pytest.fixture(params=["sync", "async"])
def send(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``send(server, "predict", *args, retry=...)`` through the blocking or the async client."""

    def through_sync(server: Server, method: str, *args: Any, retry: RetryPolicy) -> Any:
        with SpikeGlyphClient(
            "http://gw", api_key="k", transport=httpx.MockTransport(server), retry=retry
        ) as sg:
            return getattr(sg, method)(*args)

    def through_async(server: Server, method: str, *args: Any, retry: RetryPolicy) -> Any:
        async def run() -> Any:
            async with AsyncSpikeGlyphClient(
                "http://gw", api_key="k", transport=httpx.MockTransport(server), retry=retry
            ) as sg:
                return await getattr(sg, method)(*args)

        return asyncio.run(run())

    through = through_sync if request.param == "sync" else through_async

    def sending(server: Server, method: str, *args: Any, retry: RetryPolicy | None = None) -> Any:
        return through(server, method, *args, retry=retry or RetryPolicy())

    return sending


def test_a_429_is_retried_once_after_its_retry_after(send, waits: list[float]) -> None:
    server = Server(busy(429, "1"), httpx.Response(200, json=PREDICTION))
    prediction = send(server, "predict", PNG, retry=RetryPolicy(jitter_s=0.25))
    assert prediction.digit == 3 and len(server.seen) == 2
    assert len(waits) == 1 and 1.0 <= waits[0] <= 1.25


def test_a_503_that_lasts_raises_after_the_last_attempt(send, waits: list[float]) -> None:
    server = Server(busy(503, "2"))
    with pytest.raises(SpikeGlyphAPIError) as caught:
        send(server, "models", retry=RetryPolicy(attempts=4))
    assert caught.value.status == 503 and caught.value.retry_after == 2
    assert len(server.seen) == 4 and len(waits) == 3 and all(2 <= w <= 3 for w in waits)


@pytest.mark.parametrize(
    ("method", "args"),
    [("feedback", (PNG, 7)), ("submit_job", ("train",)), ("rollback", ())],
)
def test_calls_that_change_state_are_sent_once(send, waits, method: str, args: tuple) -> None:
    server = Server(busy(503, "1"))
    with pytest.raises(SpikeGlyphAPIError) as caught:
        send(server, method, *args)
    assert caught.value.status == 503
    assert len(server.seen) == 1 and waits == []


def test_a_lost_connection_is_not_retried_for_feedback(send, waits: list[float]) -> None:
    server = Server(httpx.ReadError, httpx.Response(200, json={"feedback_id": "f1"}))
    with pytest.raises(SpikeGlyphConnectionError):
        send(server, "feedback", PNG, 7)
    assert len(server.seen) == 1 and waits == []


@pytest.mark.parametrize(
    ("method", "args", "body"),
    [
        ("active_model", (), MODEL),
        ("cancel_job", ("j1",), JOB),
        ("activate", ("v1",), REGISTRY_EVENT),
        ("predict_batch", ([PNG],), {"results": [PREDICTION]}),
    ],
)
def test_idempotent_calls_survive_a_lost_connection(send, waits, method, args, body) -> None:
    server = Server(httpx.ConnectError, httpx.Response(200, json=body))
    send(server, method, *args)
    assert len(server.seen) == 2
    assert len(waits) == 1 and 0 <= waits[0] <= BACKOFF_MAX_S  # stamina's own backoff


def test_a_429_without_retry_after_uses_the_backoff(send, waits: list[float]) -> None:
    server = Server(busy(429), httpx.Response(200, json=[]))
    assert send(server, "models") == []
    assert len(waits) == 1 and 0 <= waits[0] <= BACKOFF_MAX_S


def test_an_http_date_retry_after_is_waited_for(send, waits: list[float]) -> None:
    in_five_s = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    server = Server(busy(503, in_five_s), httpx.Response(200, json=[]))
    send(server, "jobs", retry=RetryPolicy(jitter_s=0))
    assert len(waits) == 1 and 3.0 < waits[0] <= 5.0  # whole-second dates, a busy machine


def test_a_retry_after_beyond_the_cap_raises_at_once(send, waits: list[float]) -> None:
    server = Server(busy(429, "120"), httpx.Response(200, json=PREDICTION))
    with pytest.raises(SpikeGlyphAPIError) as caught:
        send(server, "predict", PNG, retry=RetryPolicy(max_wait_s=30))
    assert caught.value.status == 429 and caught.value.retry_after == 120
    assert len(server.seen) == 1 and waits == []


def test_the_cap_bounds_the_waits_of_one_call_together(send, waits: list[float]) -> None:
    server = Server(busy(503, "20"), busy(503, "20"), httpx.Response(200, json=[]))
    with pytest.raises(SpikeGlyphAPIError):
        send(server, "models", retry=RetryPolicy(attempts=5, max_wait_s=30, jitter_s=0))
    assert len(server.seen) == 2 and waits == [20.0]


def test_the_jitter_stays_within_its_bound() -> None:
    decision = RetryDecision(RetryPolicy(max_wait_s=1e6, jitter_s=0.5), idempotent=True)
    draws = [decision.wait_for(2.0) for _ in range(500)]
    assert all(isinstance(d, float) and 2.0 <= d <= 2.5 for d in draws)
    assert max(draws) - min(draws) > 0.25  # it does spread the clients out
    exact = RetryDecision(RetryPolicy(jitter_s=0), idempotent=True)
    assert exact.wait_for(2.0) == 2.0


def test_the_jitter_never_takes_a_call_past_its_cap() -> None:
    decision = RetryDecision(RetryPolicy(max_wait_s=10, jitter_s=5), idempotent=True)
    assert decision.wait_for(10.0) == 10.0
    assert decision.wait_for(0.5) is False  # nothing left to wait


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-3", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str | None, seconds) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == seconds


def test_retries_can_be_turned_off(send, waits: list[float]) -> None:
    server = Server(busy(503, "1"), httpx.Response(200, json=[]))
    with pytest.raises(SpikeGlyphAPIError):
        send(server, "models", retry=RetryPolicy(attempts=1))
    assert len(server.seen) == 1 and waits == []


def test_a_refused_event_stream_is_reopened_after_its_retry_after(waits: list[float]) -> None:
    data = json.dumps({"job_id": "j1", "type": "final", "state": "succeeded"})
    final = f"id: 1-0\nevent: final\ndata: {data}\n\n"
    stream = httpx.Response(200, text=final, headers={"content-type": "text/event-stream"})
    server = Server(busy(503, "3"), stream)
    with SpikeGlyphClient("http://gw", transport=httpx.MockTransport(server)) as sg:
        kinds = [event.type for event in sg.follow_job("j1")]
    assert kinds == ["final"] and len(server.seen) == 2
    assert len(waits) == 1 and 3.0 <= waits[0] <= 4.0
