"""The asyncio twin of :mod:`.subscriber`: follow the registry channel from an event loop.

Same guarantees: a private pool without client-side retries, a check of the active version on
every (re)subscription and every quiet ``reconcile_interval``, and a synthetic ``activated``
event when that check finds a version the consumer has not been told about.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from spikeglyph.registry.connection import text
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, Keys
from spikeglyph.registry.subscriber import (
    POLL_TIMEOUT_S,
    SUBSCRIBE_TIMEOUT_S,
    SUBSCRIPTION_LOST,
    KnownActive,
    parse_event,
)
from spikeglyph.schemas import RegistryEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[RegistryEvent], Awaitable[None] | None]


async def alisten_registry(
    client: aioredis.Redis,
    on_event: EventHandler,
    stop: asyncio.Event,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    reconnect_delay: float = 0.5,
    known_active: str | None = None,
    reconcile_interval: float = 5.0,
) -> None:
    """Deliver registry events to ``on_event`` (sync or async) until ``stop`` is set."""
    keys = Keys(namespace)
    listener = _private_client(client)
    known = KnownActive(known_active)
    try:
        while not stop.is_set():
            try:
                await _follow(listener, keys, on_event, stop, known, reconcile_interval)
            except SUBSCRIPTION_LOST as exc:
                log.warning("registry subscription lost (%s); reconnecting", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), reconnect_delay)
    finally:
        await listener.aclose(close_connection_pool=True)


async def _follow(
    client: aioredis.Redis,
    keys: Keys,
    on_event: EventHandler,
    stop: asyncio.Event,
    known: KnownActive,
    reconcile_interval: float,
) -> None:
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(keys.registry_channel)
        await _await_subscription(pubsub)
        log.info("subscribed to %s", keys.registry_channel)
        await _reconcile(client, keys, on_event, known)
        last_check = time.monotonic()
        while not stop.is_set():
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=POLL_TIMEOUT_S
            )
            if message is not None and message.get("type") == "message":
                event = parse_event(message)
                if event is not None:
                    if event.type == "activated":
                        known.version = event.version
                    await _deliver(on_event, event)
            elif time.monotonic() - last_check >= reconcile_interval:
                await _reconcile(client, keys, on_event, known)
                await pubsub.ping()
                last_check = time.monotonic()
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _await_subscription(pubsub: Any) -> None:
    deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
    while time.monotonic() < deadline:
        message = await pubsub.get_message(timeout=POLL_TIMEOUT_S)
        if message is not None and message.get("type") == "subscribe":
            return
    raise TimeoutError("no subscription confirmation from Redis")


async def _reconcile(
    client: aioredis.Redis, keys: Keys, on_event: EventHandler, known: KnownActive
) -> None:
    current = text(await client.get(keys.active))
    if current is not None and current != known.version:
        event = RegistryEvent(type="activated", version=current, previous=known.version)
        log.info("active model is %s (was %s as far as we knew)", current, known.version)
        known.version = current
        await _deliver(on_event, event)


async def _deliver(on_event: EventHandler, event: RegistryEvent) -> None:
    try:
        outcome = on_event(event)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        log.exception("registry event handler failed on %s of %s", event.type, event.version)


def _private_client(client: aioredis.Redis) -> aioredis.Redis:
    source = client.connection_pool
    kwargs = dict(source.connection_kwargs)
    kwargs["retry"] = Retry(NoBackoff(), 0)
    pool = aioredis.ConnectionPool(connection_class=source.connection_class, **kwargs)
    return aioredis.Redis(connection_pool=pool)
