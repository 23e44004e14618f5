"""Dynamic micro-batching: concurrent requests share one ONNX Runtime call.

Each request submits one preprocessed image and awaits its slot of a batch. A collector task
takes the first waiting image and, while other images are still being decoded (announced with
:meth:`MicroBatcher.arriving`), waits at most ``max_wait_s`` for them (or until
``max_batch_size`` images are there); a lone request is dispatched at once. The batch runs in a
single model thread, so the event loop stays free and ONNX Runtime gets whole batches instead
of competing calls; images arriving while a batch runs form the next one.

Back-pressure instead of unbounded latency: at most ``queue_max`` images wait; one more is
refused at once with :class:`~spikeglyph.errors.ServiceOverloaded` (503 + Retry-After).
A request that is not answered within ``timeout_s`` gets
:class:`~spikeglyph.errors.RequestTimedOut` (504); if it had not started, its image is
dropped from the queue.

The runner is taken from the :class:`ModelHolder` when a batch starts, so a hot swap never
changes the model under a running batch, and the result names the runner that produced it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from spikeglyph.errors import NotReady, RequestTimedOut, ServiceOverloaded
from spikeglyph.runtime import BatchOutputs
from spikeglyph_inference.metrics import Metrics
from spikeglyph_inference.model_holder import ModelHolder, Runner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchSlot:
    """One image's share of a batch: the outputs, its row, and the model that made them."""

    runner: Runner
    outputs: BatchOutputs
    index: int
    queue_s: float
    compute_s: float
    batch_size: int


@dataclass
class _Pending:
    image: np.ndarray
    future: asyncio.Future[BatchSlot]
    enqueued: float = field(default_factory=time.perf_counter)


class MicroBatcher:
    def __init__(
        self,
        holder: ModelHolder,
        metrics: Metrics,
        *,
        max_batch_size: int,
        max_wait_s: float,
        queue_max: int,
        timeout_s: float,
        retry_after_s: int = 1,
    ) -> None:
        self._holder = holder
        self._metrics = metrics
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.queue_max = queue_max
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._pending: deque[_Pending] = deque()
        self._arriving = 0
        self._wakeup = asyncio.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # One model thread: batches run one after the other, never competing for cores.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._task = asyncio.create_task(self._collect_forever(), name="micro-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for item in self._pending:
            if not item.future.done():
                item.future.set_exception(RequestTimedOut("the service is shutting down"))
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    @property
    def depth(self) -> int:
        return len(self._pending)

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Mark an image as on its way (being decoded) so a forming batch waits for it."""
        self._arriving += 1
        try:
            yield
        finally:
            self._arriving -= 1
            self._wakeup.set()

    async def submit(self, image: np.ndarray) -> BatchSlot:
        """Queue one preprocessed ``[28, 28]`` image and wait for its batch's outputs."""
        if not self._holder.ready:
            raise NotReady("no model is loaded yet", retry_after_s=self.retry_after_s)
        if len(self._pending) >= self.queue_max:
            raise ServiceOverloaded(
                f"inference queue is full ({self.queue_max} images waiting); retry shortly",
                retry_after_s=self.retry_after_s,
            )
        future: asyncio.Future[BatchSlot] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(image, future))
        self._metrics.queue_depth.set(len(self._pending))
        self._wakeup.set()
        try:
            async with asyncio.timeout(self.timeout_s):
                return await future  # on timeout the future is cancelled: batching skips it
        except TimeoutError:
            raise RequestTimedOut(
                f"no answer within {self.timeout_s:g} s; the service is overloaded"
            ) from None

    async def _collect_forever(self) -> None:
        while True:
            batch = await self._next_batch()
            if batch:
                try:
                    await self._run(batch)
                except Exception as exc:
                    log.exception("batch of %d failed", len(batch))
                    for item in batch:
                        if not item.future.done():
                            item.future.set_exception(exc)

    async def _next_batch(self) -> list[_Pending]:
        while not self._pending:
            self._wakeup.clear()
            await self._wakeup.wait()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        # Wait for company only while more images are on their way (being decoded): a lone
        # request is never delayed, concurrent ones share a call.
        while len(self._pending) < self.max_batch_size and self._arriving > 0:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._wakeup.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that lands as the event fires, and stop() would then wait for this task forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._wakeup.wait()
        batch: list[_Pending] = []
        while self._pending and len(batch) < self.max_batch_size:
            item = self._pending.popleft()
            if not item.future.done():  # timed-out requests are dropped here
                batch.append(item)
        self._metrics.queue_depth.set(len(self._pending))
        return batch

    async def _run(self, batch: list[_Pending]) -> None:
        runner = self._holder.current  # fixed for this batch, whatever a swap does meanwhile
        images = np.stack([item.image for item in batch]).astype(np.float32, copy=False)
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        outputs = await loop.run_in_executor(self._executor, runner.run, images)
        compute_s = time.perf_counter() - started
        self._metrics.batch_size.observe(len(batch))
        self._metrics.compute.observe(compute_s)
        for index, item in enumerate(batch):
            queue_s = started - item.enqueued
            self._metrics.queue.observe(queue_s)
            if not item.future.done():
                item.future.set_result(
                    BatchSlot(runner, outputs, index, queue_s, compute_s, len(batch))
                )
