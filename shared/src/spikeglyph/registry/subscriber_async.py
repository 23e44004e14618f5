"""The asyncio twin of :mod:`.subscriber`: follow the registry channel from an event loop.

Same guarantees: a private pool without client-side retries, a check of the active version on
every (re)subscription and every quiet ``reconcile_interval``, a synthetic ``activated`` event
when that check finds a version the consumer has not been told about, and reconnection with
exponential backoff, logged once per outage. The decisions live in :mod:`.subscription`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Unpack

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from spikeglyph.registry.connection import text
from spikeglyph.registry.subscription import (
    POLL_TIMEOUT_S,
    SUBSCRIBE_TIMEOUT_S,
    SUBSCRIPTION_LOST,
    ListenOptions,
    Subscription,
    private_pool_options,
)
from spikeglyph.schemas import RegistryEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[RegistryEvent], Awaitable[None] | None]


async def alisten_registry(
    client: aioredis.Redis,
    on_event: EventHandler,
    stop: asyncio.Event,
    **options: Unpack[ListenOptions],
) -> None:
    """Deliver registry events to ``on_event`` (sync or async) until ``stop`` is set
    (``options``: :class:`~spikeglyph.registry.subscription.ListenOptions`)."""
    subscription = Subscription(**options)
    listener = _private_client(client)
    try:
        while not stop.is_set():
            try:
                await _follow(listener, subscription, on_event, stop)
            except SUBSCRIPTION_LOST as exc:
                await _pause(stop, subscription.lost(exc))
    finally:
        await listener.aclose(close_connection_pool=True)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


async def _follow(
    client: aioredis.Redis, subscription: Subscription, on_event: EventHandler, stop: asyncio.Event
) -> None:
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(subscription.channel)
        await _await_subscription(pubsub)
        subscription.subscribed()
        await _reconcile(client, subscription, on_event)
        while not stop.is_set():
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=POLL_TIMEOUT_S
            )
            if (event := subscription.receive(message)) is not None:
                await _deliver(on_event, event)
            elif subscription.reconcile_due():
                await _reconcile(client, subscription, on_event)
                await pubsub.ping()
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
    client: aioredis.Redis, subscription: Subscription, on_event: EventHandler
) -> None:
    event = subscription.catch_up(text(await client.get(subscription.keys.active)))
    if event is not None:
        await _deliver(on_event, event)


async def _deliver(on_event: EventHandler, event: RegistryEvent) -> None:
    try:
        outcome = on_event(event)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        log.exception("registry event handler failed on %s of %s", event.type, event.version)


def _private_client(client: aioredis.Redis) -> aioredis.Redis:
    options = private_pool_options(client.connection_pool, Retry(NoBackoff(), 0))
    return aioredis.Redis(connection_pool=aioredis.ConnectionPool(**options))
