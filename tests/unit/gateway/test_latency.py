"""The gateway's share of a prediction's latency."""

from __future__ import annotations

from spikeglyph_gateway.routes.predict import add_gateway_latency


def test_gateway_time_is_what_the_replica_did_not_spend() -> None:
    prediction = {"latency_ms": {"queue": 1.0, "compute": 2.0, "total": 4.0}}
    add_gateway_latency(prediction, elapsed_ms=5.5)
    assert prediction["latency_ms"]["gateway"] == 1.5
    assert prediction["latency_ms"]["total"] == 5.5


def test_gateway_time_is_never_negative() -> None:
    prediction = {"latency_ms": {"total": 4.0}}
    add_gateway_latency(prediction, elapsed_ms=3.0)
    assert prediction["latency_ms"]["gateway"] == 0.0
    assert prediction["latency_ms"]["total"] == 4.0
