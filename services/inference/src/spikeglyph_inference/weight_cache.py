"""Weight figures per model version, computed once and kept while the version is in use.

The replica draws them (NumPy and Pillow are here; the gateway relays the answers and keeps
them). A published version never changes, so its figures (and the difference view against its
parent) are computed once, from the verified directory the registry hands out (the access the
hot swap uses), in a worker thread, and kept in a small least-recently-used table; the JSON
answer is serialised once and each PNG is drawn on its first request. Concurrent requests for
the same figures wait for the one computation instead of repeating it, which bounds the work
any burst of requests causes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import anyio

from spikeglyph.errors import ModelNotFound
from spikeglyph.modeldir import Manifest
from spikeglyph.singleflight import SingleFlightCache
from spikeglyph.weightviews import FigureSet, diff_set, figure_set, payload, render_png
from spikeglyph_inference.model_holder import Registry

MAX_CACHED = 8  # figure sets kept (a version and its difference view count as two)


class VersionSource(Protocol):
    """What the cache needs of the registry: a version's verified local directory."""

    def load_verified(self, version: str) -> Awaitable[tuple[Path, Manifest]]: ...


class RegistryVersions:
    """The replica's registry as a :class:`VersionSource` (its blocking calls in a thread);
    without a registry no version is known."""

    def __init__(self, registry: Registry | None) -> None:
        self._registry = registry

    async def load_verified(self, version: str) -> tuple[Path, Manifest]:
        if self._registry is None:
            raise ModelNotFound(f"unknown model version {version!r}: this replica has no registry")
        return await anyio.to_thread.run_sync(self._registry.load_verified, version)


@dataclass
class CachedFigures:
    figures: FigureSet
    json: bytes
    pngs: dict[str, bytes] = field(default_factory=dict)
    drawing: asyncio.Lock = field(default_factory=asyncio.Lock)  # one PNG drawn at a time


def png_url(version: str, diff: bool) -> Callable[[str], str]:
    """Where the public API serves a figure's PNG (the gateway relays this JSON as it is)."""

    def url(name: str) -> str:
        suffix = "?diff=true" if diff else ""
        return f"/api/v1/models/{quote(version, safe='')}/weights/{name}.png{suffix}"

    return url


class WeightFigureCache:
    def __init__(self, registry: VersionSource, max_cached: int = MAX_CACHED) -> None:
        self._registry = registry
        self._sets: SingleFlightCache[tuple[str, bool], CachedFigures] = SingleFlightCache(
            max_cached
        )

    async def get(self, version: str, diff: bool = False) -> CachedFigures:
        """The figures of ``version`` (``diff``: against its parent). Raises
        :class:`ModelNotFound` for an unknown version, or a diff of one without a parent."""
        return await self._sets.get((version, diff), lambda: self._compute(version, diff))

    async def png(self, version: str, name: str, diff: bool = False) -> bytes:
        entry = await self.get(version, diff)
        figure = next((f for f in entry.figures.figures if f.name == name), None)
        if figure is None:
            raise ModelNotFound(f"version {version} has no weight figure {name!r}")
        async with entry.drawing:
            if name not in entry.pngs:
                entry.pngs[name] = await asyncio.to_thread(render_png, figure)
        return entry.pngs[name]

    async def _compute(self, version: str, diff: bool) -> CachedFigures:
        if diff:
            child = (await self.get(version)).figures
            parent_version = child.manifest.parent
            if parent_version is None:
                raise ModelNotFound(f"version {version} has no parent to compare with")
            parent = (await self.get(parent_version)).figures
            figures = await asyncio.to_thread(diff_set, child, parent)
        else:
            directory, _ = await self._registry.load_verified(version)
            figures = await asyncio.to_thread(figure_set, directory, verify=False)
        body = payload(figures, png_url(version, diff)).model_dump_json().encode()
        return CachedFigures(figures, body)
