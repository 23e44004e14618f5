"""The registry listener during a Redis outage: exponential, capped backoff and quiet logs.

The listener runs against a scripted stand-in for their private Redis client, and its waits
between attempts are recorded instead of slept, so an outage of many attempts takes
milliseconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis

from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores import registry_listener
from spikeglyph.stores.registry_listener import listen_registry
from spikeglyph.stores.registry_subscription import Backoff

Outcome = tuple[list[float], list[RegistryEvent]]


class RecordingStop(threading.Event):
    """A stop flag whose waits return at once, remembering how long they were asked to be."""

    def __init__(self) -> None:
        super().__init__()
        self.delays: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.delays.append(timeout)
        return self.is_set()


class ScriptedPubSub:
    def __init__(self, step: str, stop: threading.Event) -> None:
        self.step = step
        self.stop = stop

    def subscribe(self, channel: str) -> None:
        if self.step == "refused":
            raise redis.ConnectionError("Error 111 connecting to 10.1.2.3:6379. Refused.")

    def get_message(
        self, ignore_subscribe_messages: bool = False, timeout: float = 0.0
    ) -> dict[str, Any] | None:
        if not ignore_subscribe_messages:  # waiting for the confirmation
            return {"type": "subscribe", "channel": b"registry", "data": 1}
        if self.step == "dropped":
            raise redis.ConnectionError("Connection reset by peer")
        self.stop.set()  # "served": the first poll of the live subscription ends the test
        return None

    def ping(self) -> None:
        pass

    def close(self, close_connection_pool: bool = False) -> None:
        pass


class ScriptedRedis:
    """The listener's client. Each subscription attempt plays the next step of ``script``:
    ``refused`` (Redis is down), ``dropped`` (confirmed, then the connection breaks on the
    first poll) or ``served`` (confirmed, and the first poll sets ``stop``)."""

    def __init__(self, script: list[str], stop: threading.Event, active: str | None) -> None:
        self.script = list(script)
        self.stop = stop
        self.active = active
        self.closed = False
        self.connection_pool = self

    def pubsub(self) -> ScriptedPubSub:
        return ScriptedPubSub(self.script.pop(0), self.stop)

    def get(self, key: str) -> bytes | None:
        return None if self.active is None else self.active.encode()

    def close(self, close_connection_pool: bool = False) -> None:
        self.closed = True

    def disconnect(self) -> None:
        pass


# Every scenario: the listener serves v1, and v2 is activated while Redis is away.
KNOWN, ACTIVE = "v1", "v2"


def follow_in_a_thread(monkeypatch: pytest.MonkeyPatch, script: list[str]) -> Outcome:
    stop = RecordingStop()
    client = ScriptedRedis(script, stop, ACTIVE)
    monkeypatch.setattr(registry_listener, "_private_client", lambda given: given)
    events: list[RegistryEvent] = []
    listen_registry(client, events.append, stop, known_active=KNOWN)
    assert client.closed and not client.script
    return stop.delays, events


@pytest.fixture
def follow(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Callable[[list[str]], Outcome]:
    """Run the listener through a script; returns its waits and events."""
    caplog.set_level(logging.INFO, logger="spikeglyph.stores")
    return lambda script: follow_in_a_thread(monkeypatch, script)


def registry_logs(caplog: pytest.LogCaptureFixture, level: int, words: str = "") -> list[str]:
    records = [r for r in caplog.records if r.name.startswith("spikeglyph.stores")]
    return [r.getMessage() for r in records if r.levelno == level and words in r.getMessage()]


def test_backoff_doubles_from_the_first_delay_up_to_the_cap() -> None:
    backoff = Backoff(0.5, 10.0)
    assert [backoff.next_delay() for _ in range(8)] == [0.5, 1, 2, 4, 8, 10, 10, 10]
    backoff.reset()
    assert [backoff.next_delay() for _ in range(3)] == [0.5, 1, 2]
    assert [Backoff(2.0, 1.0).next_delay() for _ in range(2)] == [2.0, 2.0]  # cap ≥ first


def test_a_long_outage_backs_off_to_the_cap_and_logs_one_warning(
    follow: Callable[[list[str]], Outcome], caplog: pytest.LogCaptureFixture
) -> None:
    delays, events = follow(["refused"] * 30 + ["served"])  # Redis away for 30 attempts

    assert delays == [0.5, 1, 2, 4, 8] + [10] * 25
    assert len(registry_logs(caplog, logging.WARNING)) == 1
    assert len(registry_logs(caplog, logging.INFO, "is back")) == 1
    assert not registry_logs(caplog, logging.ERROR)
    # Back: the active version is checked at once, so the activation missed is delivered.
    assert [(e.type, e.version, e.previous) for e in events] == [("activated", "v2", "v1")]


def test_a_confirmed_subscription_resets_the_backoff(
    follow: Callable[[list[str]], Outcome], caplog: pytest.LogCaptureFixture
) -> None:
    delays, events = follow(["refused"] * 3 + ["dropped"] + ["refused"] * 2 + ["served"])

    assert delays == [0.5, 1, 2, 0.5, 1, 2]
    # Two outages, each reported once when it began and once when it ended.
    assert len(registry_logs(caplog, logging.WARNING)) == 2
    assert len(registry_logs(caplog, logging.INFO, "is back")) == 2
    assert [(e.type, e.version) for e in events] == [("activated", "v2")]  # told once
