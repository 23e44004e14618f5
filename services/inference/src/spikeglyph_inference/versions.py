"""Published versions other than the served one, loaded on demand for requests that name them.

A versioned request (the Open Inference Protocol's ``/versions/{v}/infer``) for a version this
replica does not serve gets it from a small LRU of runners, loaded, verified and warmed by
:meth:`ModelHolder.load_version`, the loader the hot swap uses. They run outside the
micro-batcher, one ONNX Runtime call per request in a worker thread: an occasional look at
another version must not hold up the served model's batches. ``capacity`` 0 switches this
off (404 instead).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

import anyio

from spikeglyph.errors import ModelNotFound
from spikeglyph_inference.model_holder import ModelHolder, Registry, Runner


class VersionRunners:
    def __init__(self, holder: ModelHolder, registry: Registry | None, *, capacity: int) -> None:
        self._holder = holder
        self._registry = registry
        self._capacity = capacity
        self._runners: OrderedDict[str, Runner] = OrderedDict()
        self._lock = asyncio.Lock()  # one load at a time: two requests never load one twice

    async def get(self, version: str) -> Runner:
        """The runner of ``version``; :class:`ModelNotFound` if the registry does not know it."""
        if self._registry is None or self._capacity == 0:
            raise ModelNotFound(
                f"model version {version!r} is not the one served, and this replica loads no other"
            )
        async with self._lock:
            runner = self._runners.get(version)
            if runner is None:
                runner = await anyio.to_thread.run_sync(
                    self._holder.load_version, version, self._registry
                )
                self._runners[version] = runner
                while len(self._runners) > self._capacity:
                    self._runners.popitem(last=False)  # least recently used
            self._runners.move_to_end(version)
            return runner

    def loaded(self) -> list[str]:
        return list(self._runners)
