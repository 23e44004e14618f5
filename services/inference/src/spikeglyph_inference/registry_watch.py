"""Following the registry's ``published``/``activated`` events from a background thread.

:meth:`ModelRegistry.listen` blocks, reconnects by itself after a Redis outage and, whenever
its subscription is (re)established or has been quiet for a while, compares the active pointer
with the version it last reported and delivers a synthetic ``activated`` event on a change, so
an activation made while Redis was away is still followed. This module only runs it in a
daemon thread and hands each event to :meth:`ModelHolder.on_event`.

Loading a new model happens in this thread, never on the event loop: requests keep being served
by the old model while the new one is verified and warmed.
"""

from __future__ import annotations

import logging
import threading

from spikeglyph.schemas import RegistryEvent
from spikeglyph_inference.model_holder import REGISTRY_ERRORS, ModelHolder, Registry

log = logging.getLogger(__name__)


class RegistryWatcher:
    def __init__(self, registry: Registry, holder: ModelHolder) -> None:
        self._registry = registry
        self._holder = holder
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="registry-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _on_event(self, event: RegistryEvent) -> None:
        log.info(
            "registry event %s %s",
            event.type,
            event.version,
            extra={"event": f"registry_{event.type}", "model_version": event.version},
        )
        try:
            self._holder.on_event(event, self._registry)
        except Exception:
            log.exception("handling registry event %s of %s failed", event.type, event.version)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._registry.listen(self._on_event, self._stop, known_active=self._holder.version)
            except REGISTRY_ERRORS as exc:
                log.warning("registry subscription lost (%s); retrying", exc)
            except Exception:
                log.exception("registry listener crashed; restarting it")
            self._stop.wait(1.0)
