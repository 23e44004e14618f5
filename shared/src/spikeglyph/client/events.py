"""Following a job's event stream, without I/O: what to ask for, what each line means, when
to reconnect and when to give up. The clients only open the stream and hand over its lines.
"""

from __future__ import annotations

import time

import httpx
import stamina

from spikeglyph.client import calls
from spikeglyph.client.errors import (
    SpikeGlyphAPIError,
    SpikeGlyphConnectionError,
    raise_for_error,
)
from spikeglyph.client.retries import BACKOFF_MAX_S, Attempts, RetryDecision, RetryPolicy
from spikeglyph.client.sse import SseParser
from spikeglyph.schemas import JobEvent

MAX_RECONNECTS = 20
JOB_EVENT_KINDS = ("progress", "state", "final")


class EventFollower:
    """The state one ``follow_job`` keeps across reconnections.

    Each connection resumes after the last event seen (``Last-Event-ID``), so no event is lost
    or repeated; a dropped or closed stream is reopened (at most :data:`MAX_RECONNECTS` times,
    with stamina's backoff, or the ``Retry-After`` of a 429/503 within the client's policy);
    ``timeout`` bounds the whole follow, raising :class:`TimeoutError` past it.
    """

    backoff_s = 0.5

    def __init__(self, job_id: str, timeout: float | None, policy: RetryPolicy) -> None:
        self.job_id = job_id
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.parser = SseParser()
        self.done = False
        self._retry_after = RetryDecision(policy, idempotent=True)

    def reconnecting(self) -> Attempts:
        """One stamina attempt per connection."""
        return stamina.retry_context(
            on=self._should_reconnect,
            attempts=MAX_RECONNECTS + 1,
            timeout=None,  # the deadline is ours: checked on every line and every connection
            wait_initial=self.backoff_s,
            wait_max=BACKOFF_MAX_S,
        )

    def request(self) -> calls.Call[None]:
        """The next connection's request, resuming after the last event seen."""
        self._check_deadline()
        return calls.job_events(self.job_id, self.parser.last_event_id)

    def opened(self, response: httpx.Response) -> None:
        """Raise the API's error if the stream was refused (its body already read)."""
        raise_for_error(response)

    def take(self, line: str) -> JobEvent | None:
        """The job event a line completes, if any; the final one marks the follow done."""
        self._check_deadline()
        message = self.parser.feed(line)
        if message is None or message.event not in JOB_EVENT_KINDS:
            return None
        event = JobEvent.model_validate_json(message.data)
        self.done = event.type == "final"
        return event

    def closed_early(self) -> SpikeGlyphConnectionError:
        """The error for a stream the server ended before the final event (reconnects)."""
        return SpikeGlyphConnectionError(
            f"the event stream of job {self.job_id} ended before its final event"
        )

    def _should_reconnect(self, error: Exception) -> bool | float:
        if isinstance(error, SpikeGlyphConnectionError):
            return True
        if isinstance(error, SpikeGlyphAPIError):
            return self._retry_after(error)  # 429/503: as the server says, within the policy
        return False  # a timeout, a malformed event: reconnecting would not help

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeoutError(f"job {self.job_id} did not finish in time")
