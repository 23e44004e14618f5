"""From image bytes to a :class:`~spikeglyph.schemas.Prediction`: decode, batch, describe.

Decoding and preprocessing run in a small thread pool (Pillow and numpy release the GIL for
the heavy parts) so the event loop only shuffles bytes; at most ``max_pending`` images may be
in that stage at once, beyond which the request is refused with 503 like a full batch queue.
Small images (a drawn 280×280 canvas, a 28×28 digit) are prepared on the loop itself by an
``inline`` preparer with small limits: that takes about a tenth of a millisecond, less than the
hand-off to a thread and back. An image it refuses as too large (by its byte count or by the
pixel count in its header, before any pixel is decoded) goes to the pool and the real limits.
Animated or multi-frame images are read from their first frame (see :mod:`spikeglyph.preprocess`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Executor
from typing import Any, TypeVar

import anyio
import numpy as np

from spikeglyph.errors import ImageTooLarge, ServiceOverloaded, SpikeGlyphError
from spikeglyph.preprocess import preprocess
from spikeglyph.runtime import BatchOutputs
from spikeglyph.schemas import LatencyMs, Prediction
from spikeglyph_inference.batcher import BatchSlot, MicroBatcher
from spikeglyph_inference.metrics import Metrics
from spikeglyph_inference.model_holder import Runner

INLINE_MAX_BYTES = 64 * 1024
INLINE_MAX_PIXELS = 320 * 320
T = TypeVar("T")

ImagePreparer = Callable[[bytes, str], np.ndarray]
"""(bytes, dataset) → preprocessed float32 ``[28, 28]`` (ink = 1) in that dataset's layout;
raises the image errors of :mod:`spikeglyph.errors`."""


def standard_preparer(*, max_bytes: int, max_pixels: int) -> ImagePreparer:
    """The shared preprocessing of :mod:`spikeglyph.preprocess`, with the service's limits."""

    def prepare(data: bytes, dataset: str) -> np.ndarray:
        return preprocess(data, dataset=dataset, max_bytes=max_bytes, max_pixels=max_pixels)

    return prepare


def inline_preparer(*, max_bytes: int, max_pixels: int) -> ImagePreparer:
    """The preparer for the event loop: the service's limits, tightened to small images."""
    return standard_preparer(
        max_bytes=min(max_bytes, INLINE_MAX_BYTES), max_pixels=min(max_pixels, INLINE_MAX_PIXELS)
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


class Predictor:
    def __init__(
        self,
        batcher: MicroBatcher,
        prepare: ImagePreparer,
        pool: Executor,
        metrics: Metrics,
        *,
        max_pending: int,
        retry_after_s: int = 1,
        dataset: Callable[[], str] = lambda: "mnist",
        inline: ImagePreparer | None = None,
    ) -> None:
        self._batcher = batcher
        self._prepare = prepare
        self._pool = pool
        self._metrics = metrics
        self._max_pending = max_pending
        self._retry_after_s = retry_after_s
        self._preparing = 0
        # Digits and garments are laid out differently in 28×28 (spikeglyph.preprocess); the
        # served model's dataset decides. A swap between datasets mid-request is harmless: the
        # answer names the version, and the next request uses the new layout.
        self._dataset = dataset
        self._inline = inline

    async def predict(self, data: bytes, *, compact: bool = False) -> Prediction:
        started = time.perf_counter()
        with self._batcher.arriving():
            image = await self._prepare_off_loop(data)
        prepared = time.perf_counter()
        self._metrics.preprocess.observe(prepared - started)
        slot = await self._batcher.submit(image)  # no await in between: the batch sees it
        latency = LatencyMs(
            queue=_ms(slot.queue_s),
            preprocess=_ms(prepared - started),
            compute=_ms(slot.compute_s),
            total=_ms(time.perf_counter() - started),
        )
        return slot.runner.prediction(
            slot.outputs, slot.index, latency, compact=compact, image=image
        )

    async def infer_slots(self, images: Sequence[bytes | np.ndarray]) -> list[BatchSlot]:
        """The batch slots of several images, for answers built from the raw outputs.

        Encoded bytes are decoded and preprocessed as ``predict`` does; an array is taken as
        already preprocessed (``[28, 28]``, validated by the caller) and skips that stage.
        """

        async def one(index: int, image: bytes | np.ndarray) -> BatchSlot:
            try:
                if isinstance(image, bytes):
                    with self._batcher.arriving():
                        image = await self._prepare_off_loop(image)
                return await self._batcher.submit(image)
            except SpikeGlyphError as exc:
                exc.message = f"image[{index}]: {exc.message}"
                raise

        return await gather_or_cancel([one(i, image) for i, image in enumerate(images)])

    async def run_direct(
        self, runner: Runner, images: Sequence[bytes | np.ndarray]
    ) -> BatchOutputs:
        """Run ``images`` on ``runner`` in one call outside the micro-batcher (a version loaded
        on demand); encoded images are prepared in that version's dataset layout."""
        dataset = runner.manifest.dataset
        prepared = []
        for index, image in enumerate(images):
            try:
                if isinstance(image, bytes):
                    image = await self._prepare_off_loop(image, dataset)
            except SpikeGlyphError as exc:
                exc.message = f"image[{index}]: {exc.message}"
                raise
            prepared.append(image)
        return await anyio.to_thread.run_sync(runner.run, np.stack(prepared))

    async def predict_many(self, blobs: Sequence[bytes], *, compact: bool) -> list[Prediction]:
        """Predict several images; they join the micro-batch queue together."""
        return await gather_or_cancel(
            [self._predict_item(i, b, compact) for i, b in enumerate(blobs)]
        )

    async def _predict_item(self, index: int, data: bytes, compact: bool) -> Prediction:
        try:
            return await self.predict(data, compact=compact)
        except SpikeGlyphError as exc:
            exc.message = f"files[{index}]: {exc.message}"  # say which image was refused
            raise

    async def prepare(self, data: bytes, dataset: str) -> np.ndarray:
        """``data`` decoded and preprocessed as a prediction of a ``dataset`` model would be,
        under the same limits (and the same 503 when too many images are being decoded)."""
        return await self._prepare_off_loop(data, dataset)

    async def _prepare_off_loop(self, data: bytes, dataset: str | None = None) -> np.ndarray:
        if self._preparing >= self._max_pending:
            raise ServiceOverloaded(
                "too many images are being decoded; retry shortly",
                retry_after_s=self._retry_after_s,
            )
        dataset = dataset or self._dataset()
        if self._inline is not None:
            try:
                return self._inline(data, dataset)
            except ImageTooLarge:
                pass  # not small: the pool prepares it under the service's own limits
        self._preparing += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, self._prepare, data, dataset)
        finally:
            self._preparing -= 1


async def gather_or_cancel(calls: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """Await ``calls`` together; when one fails (or the caller is cancelled) cancel the rest,
    so a refused image does not leave its siblings queued for nothing."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
