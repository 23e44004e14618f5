"""When the client sends a call again: the server's ``Retry-After``, bounded, through stamina.

stamina runs the attempts (counting them, sleeping, re-raising the last error); this module
only decides, for each failure, whether another attempt is allowed and how long to wait first.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Iterator
from typing import Protocol

import stamina
from pydantic import BaseModel, ConfigDict, Field

from spikeglyph.client.errors import SpikeGlyphAPIError, SpikeGlyphConnectionError

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503})
"""Answers that mean "not now" rather than "no": too many requests, service unavailable."""

BACKOFF_MAX_S = 5.0
"""The longest stamina's own (exponential) backoff waits when the server named no time."""


class RetryPolicy(BaseModel):
    """How a client retries an idempotent call the server could not take now.

    On 429 and 503 it waits the ``Retry-After`` the server gave, plus up to ``jitter_s`` so
    that clients told the same moment do not all come back at once; without one, and after a
    lost connection, stamina's jittered exponential backoff applies. A call that changes state
    (feedback, submit_job, rollback) is never sent twice. ``attempts=1`` turns retries off.
    """

    model_config = ConfigDict(frozen=True)

    attempts: int = Field(default=3, ge=1, le=20, description="Requests per call, the first too.")
    max_wait_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "The most one call waits in all; a Retry-After beyond what is left raises at once,"
            " and no retry starts once the call has run this long."
        ),
    )
    jitter_s: float = Field(default=1.0, ge=0, description="Most seconds added to a Retry-After.")

    def attempts_for(self, idempotent: bool) -> Attempts:
        """stamina's attempts for one call (a single attempt when it is not idempotent)."""
        return stamina.retry_context(
            on=RetryDecision(self, idempotent),
            attempts=self.attempts,
            timeout=self.max_wait_s,
            wait_max=min(BACKOFF_MAX_S, self.max_wait_s),
        )


class Attempts(Protocol):
    """What :func:`stamina.retry_context` returns: attempts to run, blocking or awaited."""

    def __iter__(self) -> Iterator[stamina.Attempt]: ...

    def __aiter__(self) -> AsyncIterator[stamina.Attempt]: ...


class RetryDecision:
    """stamina's backoff hook for one call: whether to try again, and after how long.

    Returns ``False`` (raise now), ``True`` (stamina's own backoff) or the seconds to wait.
    It keeps the sum of the ``Retry-After`` waits it granted, so that the call's waiting stays
    within ``max_wait_s`` however many 429s it meets.
    """

    def __init__(self, policy: RetryPolicy, idempotent: bool) -> None:
        self.policy = policy
        self.idempotent = idempotent
        self.waited_s = 0.0

    def __call__(self, error: Exception) -> bool | float:
        if not self.idempotent:
            return False
        if isinstance(error, SpikeGlyphConnectionError):
            return True
        if not isinstance(error, SpikeGlyphAPIError) or error.status not in RETRY_STATUSES:
            return False
        if error.retry_after is None:
            return True
        return self.wait_for(error.retry_after)

    def wait_for(self, retry_after: float) -> bool | float:
        """``retry_after`` plus jitter, or ``False`` when it does not fit what is left."""
        left = self.policy.max_wait_s - self.waited_s
        if retry_after > left:
            logger.warning(
                "not retrying: the server asks for %.0f s, more than the %.0f s left to wait",
                retry_after,
                left,
            )
            return False
        jitter = random.uniform(0.0, self.policy.jitter_s)  # noqa: S311 (timing, not secrets)
        wait = min(retry_after + jitter, left)
        self.waited_s += wait
        return wait
