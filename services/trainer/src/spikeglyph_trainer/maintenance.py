"""A worker bootstep that runs periodic upkeep in the worker's parent process.

At start it publishes every shipped model directory (``SPIKEGLYPH_MODELS_DIR``) the registry
does not hold yet and activates the default one when no version is active, so a fresh install
lists them all (trying again each round until Redis answers). Every ``maintenance_interval_s``
(and once at start) it re-enqueues jobs whose worker died
(:func:`spikeglyph_trainer.lease.recover_orphans`) and, when ``auto_finetune_after`` is set,
enqueues a finetune once enough new feedback has arrived (:mod:`.auto_finetune`). It runs in
its own thread so a slow Redis never stalls the worker's event loop, and it is torch-free.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from celery import bootsteps

from spikeglyph.errors import SpikeGlyphError
from spikeglyph.schemas import JobState
from spikeglyph.stores import JobStore, ModelRegistry, connect
from spikeglyph_trainer import lease
from spikeglyph_trainer.auto_finetune import maybe_enqueue_finetune

log = logging.getLogger(__name__)


class MaintenanceStep(bootsteps.StartStopStep):  # type: ignore[misc]  # Celery is untyped
    """Orphaned-job recovery and the automatic finetune trigger."""

    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        app = worker.app
        self._thread = threading.Thread(
            target=self._loop, args=(app,), name="spikeglyph-maintenance", daemon=True
        )
        self._thread.start()

    def stop(self, worker: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self, app: Any) -> None:
        settings = app.settings
        client = connect(settings.redis_url)

        jobs = JobStore(client)
        registry = ModelRegistry.from_settings(client, settings)
        shipped_published = False

        def send(task_name: str, kwargs: dict[str, Any], task_id: str) -> None:
            app.send_task(task_name, kwargs=kwargs, task_id=task_id, queue=settings.queue)

        def give_up(job_id: str, reason: str) -> None:
            with contextlib.suppress(SpikeGlyphError):  # already finished, or expired
                jobs.update(job_id, state=JobState.failed, error=reason)

        while True:
            try:
                if not shipped_published:
                    published = registry.publish_shipped(
                        settings.models_dir, settings.default_dataset
                    )
                    shipped_published = True
                    if published:
                        log.info("published the shipped models %s", ", ".join(published))
                lease.recover_orphans(client, send, give_up, max_recoveries=settings.max_recoveries)
                if settings.auto_finetune_after:
                    maybe_enqueue_finetune(client, settings, send)
            except Exception:
                log.exception("maintenance round failed; trying again next round")
            if self._stop.wait(settings.maintenance_interval_s):
                break
        client.close()
