"""Following the registry channel from a background thread, across Redis outages.

The listener owns a private connection pool without client-side retries: redis-py would
otherwise reconnect a subscription silently, and an activation made while it was away would go
unnoticed. Here every (re)subscription is followed by a check of the active version, and so is
every quiet ``reconcile_interval``; a change seen that way is delivered as a synthetic
``activated`` event. Consumers must therefore treat an activation of the version they already
serve as a no-op.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from pydantic import ValidationError
from redis.backoff import NoBackoff
from redis.retry import Retry

from spikeglyph.registry.connection import REDIS_DOWN_ERRORS, text
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, Keys
from spikeglyph.schemas import RegistryEvent

log = logging.getLogger(__name__)

POLL_TIMEOUT_S = 0.5
SUBSCRIPTION_LOST: tuple[type[BaseException], ...] = (*REDIS_DOWN_ERRORS, redis.RedisError)
SUBSCRIBE_TIMEOUT_S = 5.0


def listen_registry(
    client: redis.Redis,
    on_event: Callable[[RegistryEvent], None],
    stop: threading.Event,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    reconnect_delay: float = 0.5,
    known_active: str | None = None,
    reconcile_interval: float = 5.0,
) -> None:
    """Blocking loop: deliver every registry event to ``on_event`` until ``stop`` is set."""
    keys = Keys(namespace)
    listener = _private_client(client)
    state = KnownActive(known_active)
    try:
        while not stop.is_set():
            try:
                _follow(listener, keys, on_event, stop, state, reconcile_interval)
            except SUBSCRIPTION_LOST as exc:
                log.warning("registry subscription lost (%s); reconnecting", exc)
                stop.wait(reconnect_delay)
    finally:
        listener.close()
        listener.connection_pool.disconnect()


class KnownActive:
    """The last active version the consumer has been told about."""

    def __init__(self, version: str | None) -> None:
        self.version = version


def _follow(
    client: redis.Redis,
    keys: Keys,
    on_event: Callable[[RegistryEvent], None],
    stop: threading.Event,
    known: KnownActive,
    reconcile_interval: float,
) -> None:
    pubsub = client.pubsub()  # type: ignore[no-untyped-call]
    try:
        pubsub.subscribe(keys.registry_channel)
        _await_subscription(pubsub)
        log.info("subscribed to %s", keys.registry_channel)
        _reconcile(client, keys, on_event, known)
        last_check = time.monotonic()
        while not stop.is_set():
            message = pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_TIMEOUT_S)
            if message is not None and message.get("type") == "message":
                event = parse_event(message)
                if event is not None:
                    if event.type == "activated":
                        known.version = event.version
                    _deliver(on_event, event)
            elif time.monotonic() - last_check >= reconcile_interval:
                # A quiet channel is also how a half-open connection looks: touch the server.
                _reconcile(client, keys, on_event, known)
                pubsub.ping()
                last_check = time.monotonic()
    finally:
        pubsub.close()


def _await_subscription(pubsub: Any) -> None:
    """Wait for the server to confirm the subscription, so no later event can slip past."""
    deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=POLL_TIMEOUT_S)
        if message is not None and message.get("type") == "subscribe":
            return
    raise redis.TimeoutError("no subscription confirmation from Redis")


def _reconcile(
    client: redis.Redis, keys: Keys, on_event: Callable[[RegistryEvent], None], known: KnownActive
) -> None:
    current = text(client.get(keys.active))
    if current is not None and current != known.version:
        event = RegistryEvent(type="activated", version=current, previous=known.version)
        log.info("active model is %s (was %s as far as we knew)", current, known.version)
        known.version = current
        _deliver(on_event, event)


def parse_event(message: dict[str, Any]) -> RegistryEvent | None:
    try:
        return RegistryEvent.model_validate_json(message["data"])
    except (ValidationError, KeyError, TypeError) as exc:
        log.warning("ignoring a malformed registry event: %s", exc)
        return None


def _deliver(on_event: Callable[[RegistryEvent], None], event: RegistryEvent) -> None:
    """A failing consumer must not end the subscription (the next event may succeed)."""
    try:
        on_event(event)
    except Exception:
        log.exception("registry event handler failed on %s of %s", event.type, event.version)


def _private_client(client: redis.Redis) -> redis.Redis:
    """A client on its own pool, same server and options, but failing fast on outages."""
    source = client.connection_pool
    kwargs = dict(source.connection_kwargs)
    kwargs["retry"] = Retry(NoBackoff(), 0)
    pool = redis.ConnectionPool(connection_class=source.connection_class, **kwargs)
    return redis.Redis(connection_pool=pool)
