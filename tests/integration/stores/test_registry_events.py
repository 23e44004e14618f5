"""Replicas following the registry: live events, and no activation lost across an outage."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores import AsyncModelRegistry, ModelRegistry, connect_async
from tests.support.procs import RedisServer

pytestmark = pytest.mark.integration


class Follower:
    """A background thread running ``registry.listen`` the way an inference replica does."""

    def __init__(
        self, registry: ModelRegistry, *, known_active: str | None, reconnect_delay: float
    ) -> None:
        self.events: queue.Queue[RegistryEvent] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=registry.listen,
            args=(self.events.put, self.stop),
            kwargs={"reconnect_delay": reconnect_delay, "known_active": known_active},
            daemon=True,
        )

    def start(self) -> Follower:
        self.thread.start()
        return self

    def next(self, timeout: float = 10.0) -> RegistryEvent:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "listen() must return once stop is set"


@pytest.fixture()
def follow(registry: ModelRegistry) -> Iterator[Callable[..., Follower]]:
    followers: list[Follower] = []

    def start(known_active: str | None = None, reconnect_delay: float = 0.3) -> Follower:
        follower = Follower(
            registry, known_active=known_active, reconnect_delay=reconnect_delay
        ).start()
        followers.append(follower)
        return follower

    yield start
    for follower in followers:
        follower.close()


def wait_subscribed(registry: ModelRegistry, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if registry.redis.pubsub_numsub(registry.channel)[0][1] >= 1:
            return
        time.sleep(0.05)
    raise TimeoutError("the listener never subscribed")


def test_a_listener_receives_published_and_activated_events(
    registry: ModelRegistry, make_model: Callable[..., Path], follow: Callable[..., Follower]
) -> None:
    follower = follow()
    wait_subscribed(registry)
    registry.publish(make_model("v1"))
    registry.activate("v1")
    published, activated = follower.next(), follower.next()
    assert (published.type, published.version) == ("published", "v1")
    assert (activated.type, activated.version, activated.previous) == ("activated", "v1", None)


def test_a_new_listener_catches_up_with_the_active_version(
    registry: ModelRegistry, make_model: Callable[..., Path], follow: Callable[..., Follower]
) -> None:
    registry.publish(make_model("v1"), activate=True)
    registry.publish(make_model("v2"), activate=True)
    # This replica booted while v1 was active and subscribes only now.
    event = follow(known_active="v1").next()
    assert (event.type, event.version, event.previous) == ("activated", "v2", "v1")


def test_listener_survives_a_redis_restart_and_misses_no_activation(
    registry: ModelRegistry,
    redis_server: RedisServer,
    make_model: Callable[..., Path],
    follow: Callable[..., Follower],
) -> None:
    registry.publish(make_model("v1"), activate=True)
    registry.publish(make_model("v2"))
    registry.publish(make_model("v3"))
    follower = follow(known_active="v1", reconnect_delay=2.0)
    wait_subscribed(registry)

    redis_server.restart()
    # Activated while the listener is still away (its reconnect is pending): no live message
    # can reach it, so only the check made on resubscribing can tell it.
    assert registry.redis.pubsub_numsub(registry.channel)[0][1] == 0
    registry.activate("v2")
    caught_up = follower.next()
    assert (caught_up.type, caught_up.version, caught_up.previous) == ("activated", "v2", "v1")

    wait_subscribed(registry)
    registry.activate("v3")
    live = follower.next()
    while live.version == "v2":  # a duplicate of the v2 activation is allowed
        live = follower.next()
    assert (live.type, live.version, live.previous) == ("activated", "v3", "v2")


def test_a_failing_handler_does_not_end_the_subscription(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    seen: list[str] = []

    def handler(event: RegistryEvent) -> None:
        seen.append(event.version)
        if event.version == "bad":
            raise RuntimeError("model failed verification")

    stop = threading.Event()
    thread = threading.Thread(target=registry.listen, args=(handler, stop), daemon=True)
    thread.start()
    wait_subscribed(registry)
    registry.publish(make_model("bad"))
    registry.publish(make_model("good"))
    deadline = time.monotonic() + 10
    while "good" not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert seen == ["bad", "good"]


def test_the_async_registry_changes_what_the_listener_follows(
    registry: ModelRegistry, redis_server: RedisServer, make_model: Callable[..., Path]
) -> None:
    """The gateway's asyncio registry runs the same operations (transactions included) on the
    same keys: a listener following the blocking registry sees what it publishes and activates."""
    seen: list[tuple[str, str, str | None]] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=registry.listen,
        args=(lambda e: seen.append((e.type, e.version, e.previous)), stop),
        daemon=True,
    )
    thread.start()
    wait_subscribed(registry)

    async def scenario() -> list[str]:
        client = connect_async(redis_server.url)
        aregistry = AsyncModelRegistry(client, registry.artifacts.root, registry.keys.namespace)
        try:
            await aregistry.publish(make_model("v1"), activate=True)
            await aregistry.publish(make_model("v2"))
            await aregistry.activate("v2")
            await aregistry.rollback()
            return [summary.version for summary in await aregistry.summaries() if summary.active]
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == ["v1"]
    deadline = time.monotonic() + 10
    while len(seen) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert seen == [
        ("published", "v1", None),
        ("activated", "v1", None),
        ("published", "v2", None),
        ("activated", "v2", "v1"),
        ("activated", "v1", "v2"),
    ]
    assert registry.active_version() == "v1"
