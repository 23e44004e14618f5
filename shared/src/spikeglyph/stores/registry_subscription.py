"""The registry listener's decisions, without any I/O: :mod:`.registry_listener` only talks to
Redis and asks a :class:`Subscription` what it means.

A :class:`Subscription` turns pub/sub messages, and reads of the active pointer, into the
events to deliver (keeping track of the last active version the consumer was told about), says
when a quiet channel is due a check, and paces reconnection while Redis is unreachable: delays
from ``reconnect_delay`` doubling up to ``max_reconnect_delay``, back to the start once a
subscription is confirmed, and one warning when the subscription is lost plus one info line
when it is back, however many attempts fail in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypedDict

import redis
from pydantic import ValidationError

from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores.connection import REDIS_DOWN_ERRORS
from spikeglyph.stores.keys import DEFAULT_NAMESPACE, Keys

log = logging.getLogger(__name__)

POLL_TIMEOUT_S = 0.5
SUBSCRIPTION_LOST: tuple[type[BaseException], ...] = (*REDIS_DOWN_ERRORS, redis.RedisError)
SUBSCRIBE_TIMEOUT_S = 5.0
RECONNECT_DELAY_S = 0.5
MAX_RECONNECT_DELAY_S = 10.0
RECONCILE_INTERVAL_S = 5.0


class ListenOptions(TypedDict, total=False):
    """Options of a registry listener (all optional).

    ``namespace``: the Redis key namespace; ``known_active``: the version the consumer serves
    now; ``reconcile_interval``: seconds of quiet channel before the active version is checked
    (and the connection touched); ``reconnect_delay``: the first wait after the subscription is
    lost, doubled after each failed attempt up to ``max_reconnect_delay``.
    """

    namespace: str
    known_active: str | None
    reconcile_interval: float
    reconnect_delay: float
    max_reconnect_delay: float


class Backoff:
    """Exponential delays: ``first``, then twice the previous one, never above ``cap`` (nor
    below ``first``); :meth:`reset` starts over."""

    def __init__(self, first: float, cap: float) -> None:
        self.first = first
        self.cap = max(cap, first)
        self._next = first

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


class Subscription:
    """The state of one registry listener, across as many connections as it takes."""

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        known_active: str | None = None,
        reconcile_interval: float = RECONCILE_INTERVAL_S,
        reconnect_delay: float = RECONNECT_DELAY_S,
        max_reconnect_delay: float = MAX_RECONNECT_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keys = Keys(namespace)
        self.known = known_active  # the last active version the consumer has been told about
        self.reconcile_interval = reconcile_interval
        self.backoff = Backoff(reconnect_delay, max_reconnect_delay)
        self._clock = clock
        self._last_check = clock()
        self._lost_at: float | None = None  # when the current outage began
        self._failed_attempts = 0

    @property
    def channel(self) -> str:
        return self.keys.registry_channel

    def subscribed(self) -> None:
        """The server confirmed a subscription: the first one, or the one ending an outage."""
        if self._lost_at is None:
            log.info("subscribed to %s", self.channel)
        else:
            log.info(
                "registry subscription to %s is back after %.1f s (%d reconnections failed)",
                self.channel,
                self._clock() - self._lost_at,
                self._failed_attempts,
            )
        self._lost_at = None
        self._failed_attempts = 0
        self.backoff.reset()

    def lost(self, exc: BaseException) -> float:
        """The subscription failed, or could not be made: seconds to wait before the next try.

        Only the first failure of an outage is logged: Redis may stay away for a long time.
        """
        delay = self.backoff.next_delay()
        if self._lost_at is None:
            self._lost_at = self._clock()
            log.warning(
                "registry subscription lost (%s); reconnecting, at most %.0f s apart",
                exc,
                self.backoff.cap,
            )
        else:
            self._failed_attempts += 1
        return delay

    def receive(self, message: dict[str, Any] | None) -> RegistryEvent | None:
        """The event a pub/sub ``message`` carries (None: no message, not a published one, or
        malformed); an activation becomes the known active version."""
        if message is None or message.get("type") != "message":
            return None
        event = parse_event(message)
        if event is not None and event.type == "activated":
            self.known = event.version
        return event

    def reconcile_due(self) -> bool:
        """Whether the active version was last checked ``reconcile_interval`` ago or more."""
        return self._clock() - self._last_check >= self.reconcile_interval

    def catch_up(self, current: str | None) -> RegistryEvent | None:
        """A check of the active version found ``current``: a synthetic ``activated`` event if
        that is news to the consumer."""
        self._last_check = self._clock()
        if current is None or current == self.known:
            return None
        event = RegistryEvent(type="activated", version=current, previous=self.known)
        log.info("active model is %s (was %s as far as we knew)", current, self.known)
        self.known = current
        return event


def private_pool_options(source: Any, retry: Any) -> dict[str, Any]:
    """A new connection pool's options: those of ``source`` (a client's pool, same server and
    settings) but with ``retry``, so that an outage fails fast instead of being retried
    silently under a subscription."""
    return {
        **source.connection_kwargs,
        "connection_class": source.connection_class,
        "retry": retry,
    }


def parse_event(message: dict[str, Any]) -> RegistryEvent | None:
    try:
        return RegistryEvent.model_validate_json(message["data"])
    except (ValidationError, KeyError, TypeError) as exc:
        log.warning("ignoring a malformed registry event: %s", exc)
        return None
