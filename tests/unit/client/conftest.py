"""Client tests never really wait: every sleep stamina asks for is recorded instead."""

from __future__ import annotations

import asyncio
import time

import pytest


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds each sleep asked for, in order (stamina sleeps through these two)."""
    asked: list[float] = []
    yield_to_the_loop = asyncio.sleep

    def sleep(seconds: float) -> None:
        asked.append(seconds)

    async def async_sleep(seconds: float, result: object = None) -> object:
        asked.append(seconds)
        return await yield_to_the_loop(0, result)

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    return asked
