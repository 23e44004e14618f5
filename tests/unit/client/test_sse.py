"""The SSE line parser: events, ids, multi-line data, comments."""

from __future__ import annotations

from spikeglyph.client.sse import SseParser


def feed(lines: list[str]) -> list[tuple[str, str, str | None]]:
    parser = SseParser()
    out = []
    for line in lines:
        message = parser.feed(line)
        if message is not None:
            out.append((message.event, message.data, message.id))
    return out


def test_events_with_ids_and_multi_line_data() -> None:
    lines = [
        "id: 7-0",
        "event: progress",
        "data: {",
        "data: }",
        "",
        ": heartbeat",
        "",
        "data: x",
        "",
    ]
    assert feed(lines) == [("progress", "{\n}", "7-0"), ("message", "x", None)]


def test_the_last_event_id_is_remembered_for_resuming() -> None:
    parser = SseParser()
    for line in ["id: 1-0", "data: a", "", "data: b", ""]:
        parser.feed(line)
    assert parser.last_event_id == "1-0"
