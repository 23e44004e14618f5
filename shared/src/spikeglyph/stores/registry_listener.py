"""Following the registry channel from a background thread, across Redis outages.

The listener owns a private connection pool without client-side retries: redis-py would
otherwise reconnect a subscription silently, and an activation made while it was away would go
unnoticed. Here every (re)subscription is followed by a check of the active version, and so is
every quiet ``reconcile_interval``; a change seen that way is delivered as a synthetic
``activated`` event. Consumers must therefore treat an activation of the version they already
serve as a no-op. While Redis is unreachable the listener retries with exponential backoff
and logs one warning for the outage and one info line when it is over (the decisions, without
any I/O, are in :mod:`.registry_subscription`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Unpack

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores.connection import text
from spikeglyph.stores.registry_subscription import (
    POLL_TIMEOUT_S,
    SUBSCRIBE_TIMEOUT_S,
    SUBSCRIPTION_LOST,
    ListenOptions,
    Subscription,
    parse_event,
    private_pool_options,
)

__all__ = ["listen_registry", "parse_event"]

log = logging.getLogger(__name__)


def listen_registry(
    client: redis.Redis,
    on_event: Callable[[RegistryEvent], None],
    stop: threading.Event,
    **options: Unpack[ListenOptions],
) -> None:
    """Blocking loop: deliver every registry event to ``on_event`` until ``stop`` is set
    (``options``: :class:`~spikeglyph.stores.registry_subscription.ListenOptions`)."""
    subscription = Subscription(**options)
    listener = _private_client(client)
    try:
        while not stop.is_set():
            try:
                _follow(listener, subscription, on_event, stop)
            except SUBSCRIPTION_LOST as exc:
                stop.wait(subscription.lost(exc))
    finally:
        listener.close()
        listener.connection_pool.disconnect()


def _follow(
    client: redis.Redis,
    subscription: Subscription,
    on_event: Callable[[RegistryEvent], None],
    stop: threading.Event,
) -> None:
    pubsub = client.pubsub()  # type: ignore[no-untyped-call]
    try:
        pubsub.subscribe(subscription.channel)
        _await_subscription(pubsub)
        subscription.subscribed()
        _reconcile(client, subscription, on_event)
        while not stop.is_set():
            message = pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_TIMEOUT_S)
            if (event := subscription.receive(message)) is not None:
                _deliver(on_event, event)
            elif subscription.reconcile_due():
                # A quiet channel is also how a half-open connection looks: touch the server.
                _reconcile(client, subscription, on_event)
                pubsub.ping()
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
    client: redis.Redis, subscription: Subscription, on_event: Callable[[RegistryEvent], None]
) -> None:
    event = subscription.catch_up(text(client.get(subscription.keys.active)))
    if event is not None:
        _deliver(on_event, event)


def _deliver(on_event: Callable[[RegistryEvent], None], event: RegistryEvent) -> None:
    """A failing consumer must not end the subscription (the next event may succeed)."""
    try:
        on_event(event)
    except Exception:
        log.exception("registry event handler failed on %s of %s", event.type, event.version)


def _private_client(client: redis.Redis) -> redis.Redis:
    """A client on its own pool, same server and options, but failing fast on outages."""
    options = private_pool_options(client.connection_pool, Retry(NoBackoff(), 0))
    return redis.Redis(connection_pool=redis.ConnectionPool(**options))
