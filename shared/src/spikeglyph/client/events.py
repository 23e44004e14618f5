"""Following a job's event stream: parsing, resuming and the overall deadline."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator

from spikeglyph.client.errors import SpikeGlyphConnectionError
from spikeglyph.client.sse import SseParser
from spikeglyph.schemas import JobEvent

MAX_RECONNECTS = 20


class EventFollower:
    """The state one ``follow_job`` keeps across reconnections."""

    backoff_s = 0.5

    def __init__(self, job_id: str, timeout: float | None) -> None:
        self.job_id = job_id
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.parser = SseParser()
        self.done = False
        self.reconnects = 0

    @property
    def last_event_id(self) -> str | None:
        return self.parser.last_event_id

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeoutError(f"job {self.job_id} did not finish in time")

    def _take(self, line: str) -> JobEvent | None:
        self._check_deadline()
        message = self.parser.feed(line)
        if message is None or message.event not in ("progress", "state", "final"):
            return None
        event = JobEvent.model_validate_json(message.data)
        if event.type == "final":
            self.done = True
        return event

    def consume(self, lines: Iterable[str]) -> Iterator[JobEvent]:
        for line in lines:
            event = self._take(line)
            if event is not None:
                yield event
                if self.done:
                    return
        self._check_deadline()
        self.reconnects += 1  # the server closed the stream before the final event
        self._check_reconnects(None)

    async def aconsume(self, lines: AsyncIterator[str]) -> AsyncIterator[JobEvent]:
        async for line in lines:
            event = self._take(line)
            if event is not None:
                yield event
                if self.done:
                    return
        self._check_deadline()
        self.reconnects += 1
        self._check_reconnects(None)

    def connection_lost(self, exc: Exception) -> None:
        self._check_deadline()
        self.reconnects += 1
        self._check_reconnects(exc)

    def _check_reconnects(self, exc: Exception | None) -> None:
        if self.reconnects > MAX_RECONNECTS:
            raise SpikeGlyphConnectionError(
                f"lost the event stream of job {self.job_id} {self.reconnects} times ({exc})"
            )
