"""Request ids and metric labels chosen by the request-context middleware."""

from __future__ import annotations

from spikeglyph.logs import incoming_request_id
from spikeglyph_gateway.middleware import route_template


def scope_with(request_id: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"x-request-id", request_id)]


def test_a_sane_caller_request_id_is_kept_for_tracing() -> None:
    assert incoming_request_id(scope_with(b"trace-42:abc")) == "trace-42:abc"


def test_a_hostile_request_id_is_replaced() -> None:
    for hostile in (b"a\r\nSet-Cookie: x=1", b"x" * 300, b"", b"<script>", b"trace\n"):
        minted = incoming_request_id(scope_with(hostile))
        assert minted != hostile.decode("latin-1") and len(minted) == 32
        int(minted, 16)  # hex digits
    assert incoming_request_id([]) != incoming_request_id([])


def test_route_templates_hide_ids_so_metric_labels_stay_few() -> None:
    scope = {
        "route": object(),
        "path": "/api/v1/jobs/5d0f7c1e/events",
        "path_params": {"job_id": "5d0f7c1e"},
    }
    assert route_template(scope) == "/api/v1/jobs/{job_id}/events"
    assert route_template({"path": "/wp-admin"}) == "unmatched"


def test_log_lines_are_json_with_the_request_id_and_extras() -> None:
    import json
    import logging

    from spikeglyph.logs import JsonFormatter, request_id_var

    record = logging.LogRecord("gw", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.status = 200
    token = request_id_var.set("rid-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "GET /x" and line["request_id"] == "rid-1"
    assert line["status"] == 200 and line["level"] == "INFO"
