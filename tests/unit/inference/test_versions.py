"""Versions loaded on demand: kept in a small LRU, loaded once, refused when switched off."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from spikeglyph.errors import ModelNotFound
from spikeglyph_inference.versions import VersionRunners


class FakeHolder:
    def __init__(self) -> None:
        self.loads: list[str] = []

    def load_version(self, version: str, registry: Any) -> str:
        if version == "missing":
            raise ModelNotFound(f"unknown model version {version}")
        self.loads.append(version)
        return f"runner-{version}"


def _runners(
    capacity: int, registry: object | None = object()
) -> tuple[VersionRunners, FakeHolder]:
    holder = FakeHolder()
    return VersionRunners(holder, registry, capacity=capacity), holder  # type: ignore[arg-type]


def test_a_version_is_loaded_once_and_the_least_recently_used_is_dropped() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        runners, holder = _runners(2)
        await asyncio.gather(runners.get("a"), runners.get("a"))
        await runners.get("b")
        await runners.get("a")  # a is now the most recent
        await runners.get("c")  # b goes
        assert await runners.get("a") == "runner-a"
        return holder.loads, runners.loaded()

    loads, loaded = asyncio.run(scenario())
    assert loads == ["a", "b", "c"]
    assert loaded == ["c", "a"]


def test_unknown_versions_and_a_disabled_cache_answer_not_found() -> None:
    runners, _ = _runners(2)
    with pytest.raises(ModelNotFound, match="missing"):
        asyncio.run(runners.get("missing"))
    for disabled, _ in (_runners(0), _runners(2, registry=None)):
        with pytest.raises(ModelNotFound, match="loads no other"):
            asyncio.run(disabled.get("a"))
