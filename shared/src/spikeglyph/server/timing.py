"""``Server-Timing`` headers: where a request's time went, said by the service that spent it.

Both services add one to a prediction (the replica: ``parse``, ``preprocess``, ``queue``,
``compute``, ``serialise`` and ``app``, its whole time in the route; the gateway: ``gw-read``,
``gw-upstream`` and ``gw-json``, then the replica's entries it relays), so a client, a browser's
network panel or ``bench/bench_peers.py`` can break a request down without a profiler. The
header carries durations only (the W3C Server-Timing syntax, milliseconds), nothing about the
request or the model; the answer's body is unchanged.
"""

from __future__ import annotations

HEADER = "Server-Timing"


def server_timing(durations_ms: dict[str, float]) -> str:
    """``{"parse": 0.12}`` → ``parse;dur=0.12`` (comma-separated, three decimals)."""
    return ", ".join(f"{name};dur={ms:.3f}" for name, ms in durations_ms.items())


def joined(*headers: str) -> str:
    """Several ``Server-Timing`` values as one (empty ones left out)."""
    return ", ".join(header for header in headers if header)
