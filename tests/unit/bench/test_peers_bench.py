"""The pure parts of bench/bench_peers.py: the request every server gets, the timing fields it
reads back, the summaries and the targets it judges.

The benchmark itself installs BentoML and LitServe from PyPI; these tests never do.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from starlette.requests import Request

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _peers_load import CONTENT_TYPE, Run, answer_timings, multipart_body, server_timing
from bench_peers import verdicts

from spikeglyph.server.timing import joined
from spikeglyph.server.timing import server_timing as timing_header

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # any bytes: the boundary must not clash


def _form_file(body: bytes) -> bytes:
    """What a Starlette app (FastAPI, BentoML, LitServe) reads from the multipart body."""

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", CONTENT_TYPE.encode())]
    request = Request({"type": "http", "method": "POST", "headers": headers}, receive)

    async def read() -> bytes:
        upload = (await request.form())["file"]
        assert not isinstance(upload, str)
        return await upload.read()

    return asyncio.run(read())


def test_every_server_reads_the_same_png_from_the_multipart_field_file() -> None:
    assert _form_file(multipart_body(PNG)) == PNG


def test_the_services_timing_header_is_read_back_by_the_bench() -> None:
    header = joined(timing_header({"gw-read": 0.0123, "gw-upstream": 1.5}), "compute;dur=0.4")
    assert server_timing(header) == {"gw-read": 0.012, "gw-upstream": 1.5, "compute": 0.4}
    merged = answer_timings(b'{"latency_ms": {"queue": 0.1, "total": 2.0}}', header)
    assert merged["server:compute"] == 0.4 and merged["queue"] == 0.1


def test_errors_count_as_requests_but_not_as_answers_or_latencies() -> None:
    first, second = Run(requests=10, errors=2, seconds=1.0), Run(requests=10, seconds=1.0)
    first.latencies_ms, second.latencies_ms = [1.0] * 8, [3.0] * 10
    first.server_cpu_s, second.server_cpu_s = {"gateway": 0.018}, {"gateway": 0.018}
    first.add(second)
    summary = first.summary()
    assert summary["requests"] == 20 and summary["errors"] == 2
    assert summary["throughput_rps"] == 9.0  # 18 answers in 2 s
    assert summary["p50_ms"] == 3.0
    assert summary["server_cpu_ms_per_request"] == {"gateway": 2.0}


def _run(rps: float, p50: float = 0.8, p99: float = 50.0, errors: int = 0) -> dict[str, object]:
    return {"throughput_rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}


@pytest.mark.parametrize(
    ("bento_rps", "compact_errors", "expected"),
    [(700.0, 0, True), (800.0, 0, False), (700.0, 1, False)],
)
def test_the_targets_need_twice_bentoml_and_no_error(
    bento_rps: float, compact_errors: int, expected: bool
) -> None:
    figures = {
        "spikeglyph compact": {"1": _run(900.0), "64": _run(1500.0, errors=compact_errors)},
        "spikeglyph full": {"1": _run(800.0), "64": _run(1100.0)},
        "bentoml": {"64": _run(bento_rps)},
        "bare ASGI": {"64": _run(3000.0)},
    }
    judged = verdicts(figures, 64)
    met = judged["met"]
    assert (met["2x_bentoml"] and met["zero_errors"]) is expected
    assert met["1500_per_s"] and met["p99_under_100ms"] and met["batch1_p50_under_1ms"]
    assert judged["fraction_of_bare"] == 0.5 and met["full_at_least_70pct"]


def test_a_peer_s_errors_are_recorded_as_the_exceptions_it_logged() -> None:
    from bench_peers import first_error

    log = (
        "2026-12-05 [INFO] 200 OK\n2026-12-05 [ERROR] Exception on /predict [POST]\n"
        'Traceback (most recent call last):\n  File "x.py", line 1, in write\n'
        "aiohttp.ClientConnectionResetError: Cannot write to closing transport\n\n"
        "The above exception was the direct cause of the following exception:\n\n"
        'Traceback (most recent call last):\n  File "y.py", line 2, in call\n'
        "aiohttp.ClientOSError: Can not write request body\n2026-12-05 [INFO] 500\n"
    )
    assert first_error(log) == (
        "aiohttp.ClientConnectionResetError: Cannot write to closing transport"
        " <- aiohttp.ClientOSError: Can not write request body"
    )
