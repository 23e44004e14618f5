"""The model being served, and how it is replaced without dropping a request.

A :class:`ModelHolder` owns one immutable runner at a time. A new version is loaded, verified
(sha256 of every file) and warmed up *beside* the old one; only then is the reference swapped,
in one assignment, so a batch that already took the old runner finishes on it and the next
batch takes the new one. A version that fails verification or loading is refused (logged and
counted) and the old runner keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from redis.exceptions import RedisError

from spikeglyph.errors import (
    DeviceUnavailable,
    NotReady,
    RegistryUnavailable,
    ServiceUnavailable,
    SpikeGlyphError,
)
from spikeglyph.modeldir import Manifest
from spikeglyph.runtime import BatchOutputs
from spikeglyph.schemas import LatencyMs, Prediction, RegistryEvent
from spikeglyph_inference.metrics import Metrics

log = logging.getLogger(__name__)


class Runner(Protocol):
    """What the service needs from a loaded model (:class:`spikeglyph.runtime.ModelRunner`)."""

    manifest: Manifest

    @property
    def version(self) -> str: ...

    @property
    def device(self) -> str: ...

    def run(self, images: np.ndarray) -> BatchOutputs: ...

    def warmup(self, batch_sizes: tuple[int, ...] = ...) -> None: ...

    def prediction(
        self,
        outputs: BatchOutputs,
        index: int,
        latency: LatencyMs,
        *,
        compact: bool = False,
        image: np.ndarray | None = None,
    ) -> Prediction: ...


class Registry(Protocol):
    """The part of :class:`spikeglyph.stores.ModelRegistry` the service uses."""

    def active_version(self) -> str | None: ...

    def load_verified(self, version: str) -> tuple[Path, Manifest]: ...

    def listen(
        self,
        on_event: Callable[[RegistryEvent], None],
        stop: threading.Event,
        *,
        known_active: str | None = None,
    ) -> None: ...


RunnerFactory = Callable[[Path], Runner]
# Failures of a dependency we tolerate while serving: the registry or its Redis being away.
REGISTRY_ERRORS: tuple[type[BaseException], ...] = (SpikeGlyphError, RedisError, OSError)


class ModelHolder:
    def __init__(
        self,
        factory: RunnerFactory,
        metrics: Metrics,
        *,
        default_dir: Path,
        warmup_sizes: Sequence[int] = (1,),
    ) -> None:
        self._factory = factory
        self._metrics = metrics
        self._default_dir = default_dir
        self._warmup_sizes = tuple(warmup_sizes)
        self._runner: Runner | None = None
        self._swap_lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._runner is not None

    @property
    def current(self) -> Runner:
        """The runner to use for the next batch; raises :class:`NotReady` before the first."""
        runner = self._runner
        if runner is None:
            raise NotReady("no model is loaded yet", retry_after_s=1)
        return runner

    @property
    def version(self) -> str | None:
        runner = self._runner
        return runner.version if runner is not None else None

    def load_initial(self, registry: Registry | None) -> None:
        """Serve the registry's active version, else the shipped default model.

        A Redis outage or an empty registry is not fatal: the shipped default serves until the
        registry's pointer can be followed. A device that is not there (``cuda`` without a GPU)
        is fatal, because the operator asked for it explicitly.
        """
        if registry is not None and (version := self._active_version(registry)) is not None:
            if self.swap_to(version, registry, reason="initial"):
                return
            log.warning("active version %s could not be served; using the shipped default", version)
        try:
            self._install(self._build(self._default_dir), reason="default")
        except DeviceUnavailable:
            raise
        except SpikeGlyphError as exc:  # stay alive, not ready: a later activation can fix it
            self._refuse(str(self._default_dir), exc)

    def swap_to(self, version: str, registry: Registry, *, reason: str = "swap") -> bool:
        """Load, verify and warm ``version``, then serve it; ``False`` if it was refused."""
        with self._swap_lock:
            if self.version == version:
                return True
            try:
                runner = self.load_version(version, registry)
            except DeviceUnavailable:
                if self._runner is None:
                    raise
                self._refuse(version, DeviceUnavailable(f"{version}: device unavailable"))
                return False
            except (RegistryUnavailable, ServiceUnavailable, RedisError, OSError) as exc:
                # Transient (Redis or the artifact store is down): keep serving, and try again
                # on the next event or reconnection.
                log.warning("could not fetch version %s from the registry: %s", version, exc)
                return False
            except SpikeGlyphError as exc:
                self._refuse(version, exc)
                return False
            self._install(runner, reason=reason)
            return True

    def load_version(self, version: str, registry: Registry) -> Runner:
        """A warmed runner of ``version``, not yet served.

        The files come through the registry: from a directory store verified in place, from
        object storage through the local cache (downloaded once, every sha256 checked before
        loading). Raises what :meth:`Registry.load_verified` raises.
        """
        path, _ = registry.load_verified(version)
        return self._build(path)

    def on_event(self, event: RegistryEvent, registry: Registry) -> None:
        """React to a registry event: an activation, or a publish of the active version."""
        if event.type == "activated" or self._active_version(registry) == event.version:
            self.swap_to(event.version, registry)

    def _active_version(self, registry: Registry) -> str | None:
        try:
            return registry.active_version()
        except REGISTRY_ERRORS as exc:
            log.warning("registry unreachable (%s); keeping the model being served", exc)
            return None

    def _build(self, path: Path) -> Runner:
        runner = self._factory(path)
        runner.warmup(self._warmup_sizes)
        return runner

    def _install(self, runner: Runner, *, reason: str) -> None:
        previous = self.version
        self._runner = runner  # one assignment: the next batch sees the new model
        self._metrics.serving(runner.version, runner.manifest.dataset, runner.device)
        if reason == "swap":
            self._metrics.swaps.inc()
        log.info(
            "serving model %s (%s, %s) previous=%s",
            runner.version,
            runner.manifest.dataset,
            runner.device,
            previous,
            extra={"event": f"model_{reason}", "model_version": runner.version},
        )

    def _refuse(self, version: str, exc: SpikeGlyphError) -> None:
        self._metrics.refusals.labels(reason=exc.code).inc()
        log.error(
            "refused model %s: %s; still serving %s",
            version,
            exc.message,
            self.version,
            extra={"event": "model_refused", "model_version": version},
        )
