"""The replica's weight-figure cache: computed once per version, even under a burst."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from spikeglyph.errors import ModelNotFound
from spikeglyph.modeldir import Manifest, read_manifest
from spikeglyph.weightviews import Figure, render_png
from spikeglyph_inference import weight_cache
from spikeglyph_inference.weight_cache import WeightFigureCache
from tests.unit.figures.weight_models import MNIST, STDP


class CountingRegistry:
    def __init__(self, directories: dict[str, Path]) -> None:
        self.directories = directories
        self.loads: list[str] = []

    async def load_verified(self, version: str) -> tuple[Path, Manifest]:
        self.loads.append(version)
        await asyncio.sleep(0.01)  # let concurrent requests pile up behind the first
        if version not in self.directories:
            raise ModelNotFound(f"unknown model version {version}")
        directory = self.directories[version]
        return directory, read_manifest(directory)


def versions() -> dict[str, Path]:
    return {read_manifest(d).version: d for d in (MNIST, STDP)}


def test_a_burst_of_requests_computes_the_figures_once(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def counting_render(figure: Figure) -> bytes:
        drawn.append(figure.name)
        return render_png(figure)

    monkeypatch.setattr(weight_cache, "render_png", counting_render)
    registry = CountingRegistry(versions())
    cache = WeightFigureCache(registry)
    stdp = read_manifest(STDP).version

    async def burst() -> list[bytes]:
        entries = await asyncio.gather(*(cache.get(stdp) for _ in range(8)))
        pngs = await asyncio.gather(*(cache.png(stdp, "exc") for _ in range(3)))
        return [e.json for e in entries] + list(pngs)

    answers = asyncio.run(burst())
    assert registry.loads == [stdp] and drawn == ["exc"]
    assert len(set(answers[:8])) == 1 and answers[8].startswith(b"\x89PNG")


def test_least_recently_used_versions_are_dropped() -> None:
    registry = CountingRegistry(versions())
    cache = WeightFigureCache(registry, max_cached=1)
    mnist, stdp = (read_manifest(d).version for d in (MNIST, STDP))

    async def visit() -> None:
        await cache.get(mnist)
        await cache.get(stdp)
        await cache.get(mnist)

    asyncio.run(visit())
    assert registry.loads == [mnist, stdp, mnist]


def test_unknown_versions_figures_and_parents_are_not_found() -> None:
    cache = WeightFigureCache(CountingRegistry(versions()))
    mnist = read_manifest(MNIST).version
    for call in (cache.get("mnist-nope"), cache.png(mnist, "exc"), cache.get(mnist, diff=True)):
        with pytest.raises(ModelNotFound):
            asyncio.run(call)
