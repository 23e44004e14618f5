"""What an inference app owns while it runs, started in order and stopped in reverse.

:class:`ServiceParts` is the lifespan of :func:`spikeglyph_inference.app.create_app`: the model
holder (the registry's active version, else the shipped default), the registry watcher thread,
the preprocessing pool and the micro-batcher, gathered into the
:class:`~spikeglyph_inference.deps.Service` that routes receive.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager
from dataclasses import dataclass

import anyio
from fastapi import FastAPI
from PIL import Image, ImageDraw

from spikeglyph.errors import DeviceUnavailable
from spikeglyph.server.heap import settle_heap
from spikeglyph_inference.batcher import MicroBatcher
from spikeglyph_inference.deps import Service
from spikeglyph_inference.metrics import Metrics
from spikeglyph_inference.model_holder import ModelHolder, Registry, RunnerFactory
from spikeglyph_inference.predictor import ImagePreparer, Predictor
from spikeglyph_inference.registry_watch import RegistryWatcher
from spikeglyph_inference.settings import Settings
from spikeglyph_inference.versions import VersionRunners
from spikeglyph_inference.weight_cache import RegistryVersions, WeightFigureCache

log = logging.getLogger(__name__)

RegistryFactory = Callable[[Settings], AbstractContextManager[Registry | None]]


@dataclass(frozen=True)
class ServiceParts:
    """How to build each resource; :meth:`lifespan` builds them when the app starts."""

    settings: Settings
    metrics: Metrics
    build_runner: RunnerFactory
    registry_factory: RegistryFactory
    prepare: ImagePreparer
    inline: ImagePreparer | None

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            holder, registry = await self._serve_model(stack)
            pool = await self._decode_pool(stack)
            batcher = self._batcher(holder)
            await batcher.start()
            predictor = self._predictor(holder, batcher, pool)
            versions = VersionRunners(holder, registry, capacity=self.settings.max_loaded_versions)
            figures = WeightFigureCache(RegistryVersions(registry))
            app.state.service = Service(
                self.settings, self.metrics, holder, batcher, predictor, versions, figures
            )
            settle_heap()
            try:
                yield
            finally:
                await batcher.stop()

    async def _serve_model(self, stack: ExitStack) -> tuple[ModelHolder, Registry | None]:
        """Load the first model (a missing GPU is fatal) and follow the registry from then on."""
        settings = self.settings
        holder = ModelHolder(
            self.build_runner,
            self.metrics,
            default_dir=settings.models_dir / settings.default_dataset,
            warmup_sizes=sorted({1, settings.max_batch_size}),
        )
        registry = stack.enter_context(self.registry_factory(settings))
        try:
            await anyio.to_thread.run_sync(holder.load_initial, registry)
        except DeviceUnavailable as exc:
            log.critical("cannot start: %s", exc.message)
            raise
        if registry is not None:
            watcher = RegistryWatcher(registry, holder)
            watcher.start()
            stack.callback(watcher.stop)
        return holder, registry

    async def _decode_pool(self, stack: ExitStack) -> ThreadPoolExecutor:
        pool = ThreadPoolExecutor(self.settings.preprocess_threads, thread_name_prefix="decode")
        stack.callback(pool.shutdown, wait=False, cancel_futures=True)
        await asyncio.get_running_loop().run_in_executor(pool, _warm_preparer, self.prepare)
        return pool

    def _batcher(self, holder: ModelHolder) -> MicroBatcher:
        settings = self.settings
        return MicroBatcher(
            holder,
            self.metrics,
            max_batch_size=settings.max_batch_size,
            max_wait_s=settings.max_wait_ms / 1000.0,
            queue_max=settings.queue_max,
            timeout_s=settings.request_timeout_s,
            retry_after_s=settings.retry_after_s,
        )

    def _predictor(
        self, holder: ModelHolder, batcher: MicroBatcher, pool: ThreadPoolExecutor
    ) -> Predictor:
        return Predictor(
            batcher,
            self.prepare,
            pool,
            self.metrics,
            max_pending=self.settings.queue_max,
            retry_after_s=self.settings.retry_after_s,
            dataset=lambda: holder.current.manifest.dataset if holder.ready else "mnist",
            inline=self.inline,
        )


def _warm_preparer(prepare: ImagePreparer) -> None:
    """Decode one small drawing so the first real request does not pay for lazy imports."""
    image = Image.new("L", (32, 32), 255)
    ImageDraw.Draw(image).line([(16, 4), (16, 28)], fill=0, width=3)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    prepare(buf.getvalue(), "mnist")
