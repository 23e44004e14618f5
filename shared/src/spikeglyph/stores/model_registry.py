"""The model registry: immutable versions on disk, their metadata and the active pointer in Redis.

Trainer workers :meth:`~ModelOps.publish` model directories; the gateway lists, uploads and
activates versions; every inference replica follows the ``activated`` events with
:meth:`ModelRegistry.listen`. Redis holds, under one namespace (see :mod:`.keys`): each
version's manifest, the history ordered by creation time, the lineage (parent of each
version), idempotency keys of publishes, the active version and the activation history.
Metadata changes are single MULTI/EXEC transactions; events go out only after they commit.

Each operation is written once (see :mod:`.driver`): :class:`ModelRegistry` runs them blocking
(the trainer worker, an inference replica's registry thread), :class:`AsyncModelRegistry` as
coroutines (the gateway).
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from spikeglyph.modeldir import Manifest, manifest_dict, validate_version_name
from spikeglyph.schemas import ModelSummary, RegistryEvent
from spikeglyph.stores.connection import text, texts
from spikeglyph.stores.driver import (
    AsyncStore,
    Offload,
    Op,
    SyncStore,
    Transaction,
    call,
    operation,
)
from spikeglyph.stores.registry_listener import listen_registry
from spikeglyph.stores.registry_publishing import PublishingOps
from spikeglyph.stores.registry_transactions import (
    activate_version,
    apply_rollback,
    forget_version,
    plan_rollback,
)

log = logging.getLogger(__name__)


class ModelOps(PublishingOps):
    """Publish, list, activate and roll back model versions."""

    @operation("read a model manifest")
    def get(self, version: str) -> Op[Manifest]:
        """The recorded manifest of ``version`` (:class:`ModelNotFound` if unknown)."""
        return (yield from self._manifest(version))

    @operation("read the active model")
    def active_version(self) -> Op[str | None]:
        return text((yield call("get", self.keys.active)))

    @operation("read a model's lineage")
    def parent(self, version: str) -> Op[str | None]:
        validate_version_name(version)
        return text((yield call("hget", self.keys.parents, version)))

    @operation("read a model version")
    def load_verified(self, version: str) -> Op[tuple[Path, Manifest]]:
        """Directory and manifest of a registered version whose files all verify.

        Raises :class:`ChecksumMismatch` if any file was altered, or if the manifest on disk
        is not the one the registry recorded.
        """
        return (yield from self._verified(version))

    @operation("list model versions")
    def list(self) -> Op[builtins.list[Manifest]]:
        """Every recorded version's manifest, newest first."""
        return (yield from self._manifests())

    @operation("list model versions")
    def summaries(self) -> Op[builtins.list[ModelSummary]]:
        """Every version newest first, as the API lists them (manifest plus ``active``)."""
        active = text((yield call("get", self.keys.active)))
        manifests = yield from self._manifests()
        return [
            ModelSummary(**{**manifest_dict(m), "active": m.version == active}) for m in manifests
        ]

    @operation("activate a model")
    def activate(self, version: str) -> Op[RegistryEvent]:
        """Make ``version`` the active one (after verifying its files) and announce it."""
        yield from self._verified(version)
        previous: str | None = yield Transaction(
            (self.keys.manifests, self.keys.active),
            partial(activate_version, keys=self.keys, version=version),
        )
        event = RegistryEvent(type="activated", version=version, previous=previous)
        log.info("activated model %s (was %s)", version, previous)
        yield from self._announce(event)
        return event

    @operation("roll back the active model")
    def rollback(self) -> Op[RegistryEvent]:
        """Re-activate the version active before the current one (or else its parent)."""
        watched = (self.keys.active, self.keys.activations, self.keys.manifests)
        while True:
            plan = yield from plan_rollback(self.keys)
            yield from self._verified(plan.target)
            applied = yield Transaction(watched, partial(apply_rollback, keys=self.keys, plan=plan))
            if applied:
                break
            # Someone activated or deleted a version meanwhile: plan (and verify) again.
        event = RegistryEvent(type="activated", version=plan.target, previous=plan.current)
        log.info("rolled back from %s to %s", plan.current, plan.target)
        yield from self._announce(event)
        return event

    @operation("apply model retention")
    def apply_retention(self, keep: int) -> Op[builtins.list[str]]:
        """Delete the oldest versions beyond the newest ``keep``; return what was deleted.

        The active version and its parent are never deleted, whatever their age.
        """
        if keep < 1:
            raise ValueError("keep must be at least 1")
        versions = texts((yield call("zrevrange", self.keys.history, 0, -1)))
        deleted: builtins.list[str] = []
        for version in versions[keep:]:
            forgotten = yield Transaction(
                (self.keys.active, self.keys.parents),
                partial(forget_version, keys=self.keys, version=version),
            )
            if forgotten:
                yield Offload(partial(self.artifacts.remove, version))
                deleted.append(version)
        if deleted:
            log.info("retention deleted %s", ", ".join(deleted))
        return deleted


class ModelRegistry(ModelOps, SyncStore):
    """The registry for blocking code; it can also follow events from a thread."""

    def listen(
        self,
        on_event: Callable[[RegistryEvent], None],
        stop: threading.Event,
        *,
        reconnect_delay: float = 0.5,
        known_active: str | None = None,
    ) -> None:
        """Deliver registry events to ``on_event`` until ``stop`` is set (run it in a thread).

        Survives Redis outages: it reconnects by itself (first after ``reconnect_delay``,
        then twice as long after each failed attempt, up to 10 s; one warning per outage), and
        whenever the subscription is (re)established, or the channel has been quiet for a few
        seconds, while the active version differs from the last one it knows of (initially
        ``known_active``, the version the caller serves), it calls ``on_event`` with a
        synthetic ``activated`` event, so no activation is ever missed. The same activation may
        thus arrive twice: treat an activation of the version already served as a no-op.
        """
        listen_registry(
            self.redis,
            on_event,
            stop,
            namespace=self.keys.namespace,
            reconnect_delay=reconnect_delay,
            known_active=known_active,
        )


class AsyncModelRegistry(ModelOps, AsyncStore):
    """The registry for an event loop (the gateway)."""
