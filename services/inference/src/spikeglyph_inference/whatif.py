"""What-if answers beside the served path: the served version's what-if graph, loaded on the
first what-if request and kept for that version only.

Nothing here touches the micro-batcher or the default predict path: a replica that is never
asked a what-if question never loads the graph. What-if runs are few and heavier than a
prediction (T_max steps, two samples), so at most :data:`MAX_RUNNING` run at once on a
replica; beyond that the request is refused with 503 ``overloaded`` and ``Retry-After``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import numpy as np

from spikeglyph.errors import ServiceOverloaded, WhatIfUnavailable
from spikeglyph.preprocess import preprocess
from spikeglyph.whatif import WhatIfAnswer, WhatIfKnobs
from spikeglyph.whatif_runtime import WhatIfRunner
from spikeglyph_inference.model_holder import Runner
from spikeglyph_inference.settings import Settings

MAX_RUNNING = 2


class WhatIfRunners:
    """The what-if runner of the version being served, replaced when the version changes."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._runner: WhatIfRunner | None = None
        self._running = 0

    def runner_for(self, served: Runner) -> WhatIfRunner:
        """The what-if runner of ``served``'s version (loaded and verified on first use)."""
        model_dir = getattr(served, "model_dir", None)
        if model_dir is None:
            raise WhatIfUnavailable(f"{served.version} is not served from a model directory")
        with self._lock:
            current = self._runner
            if current is not None and current.manifest.version == served.version:
                return current
            runner = WhatIfRunner(
                Path(model_dir),
                served.manifest,
                device=self._settings.device,
                intra_op_threads=self._settings.intra_op_threads,
            )
            self._runner = runner
            return runner

    async def answer(self, served: Runner, data: bytes, knobs: WhatIfKnobs) -> WhatIfAnswer:
        """Preprocess ``data`` as the served version reads images, then turn the knobs."""
        if self._running >= MAX_RUNNING:
            raise ServiceOverloaded(
                "too many what-if requests at once; retry shortly",
                retry_after_s=self._settings.retry_after_s,
            )
        self._running += 1
        try:
            runner = await anyio.to_thread.run_sync(self.runner_for, served)
            image = await anyio.to_thread.run_sync(self._prepare, data, runner.manifest.dataset)
            return await anyio.to_thread.run_sync(runner.answer, image, knobs)
        finally:
            self._running -= 1

    def _prepare(self, data: bytes, dataset: str) -> np.ndarray:
        settings = self._settings
        return preprocess(
            data,
            dataset=dataset,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
        )
