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
from typing import Any

import redis

from spikeglyph.errors import ChecksumMismatch, ModelNotFound, VersionConflict
from spikeglyph.modeldir import Manifest, load_manifest, manifest_dict, validate_version_name
from spikeglyph.registry.artifacts import ArtifactStore
from spikeglyph.registry.connection import text, texts
from spikeglyph.registry.driver import (
    AsyncStore,
    Offload,
    Op,
    Store,
    SyncStore,
    Transaction,
    call,
    operation,
)
from spikeglyph.registry.keys import DEFAULT_NAMESPACE
from spikeglyph.registry.registry_txn import (
    Recorded,
    activate_version,
    apply_rollback,
    forget_version,
    plan_rollback,
    record_publication,
)
from spikeglyph.registry.subscriber import listen_registry
from spikeglyph.schemas import ModelSummary, RegistryEvent

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY_LEN = 200


class ModelOps(Store):
    """Publish, list, activate and roll back model versions."""

    def __init__(
        self, client: Any, artifacts_dir: Path, namespace: str = DEFAULT_NAMESPACE
    ) -> None:
        super().__init__(client, namespace)
        self.artifacts = ArtifactStore(artifacts_dir)

    @property
    def channel(self) -> str:
        """The pub/sub channel of this registry's :class:`RegistryEvent` messages."""
        return self.keys.registry_channel

    def path(self, version: str) -> Path:
        """The directory of ``version``; never a path outside the artifact store."""
        return self.artifacts.path(version)

    # --- publishing ---------------------------------------------------------------------------
    @operation("publish a model")
    def publish(
        self, model_dir: Path, *, idempotency_key: str | None = None, activate: bool = False
    ) -> Op[Manifest]:
        """Copy a verified model directory into the store and record it as a new version.

        With an ``idempotency_key`` (e.g. the job id) a second publish with the same key
        returns the first one's manifest and changes nothing, so a redelivered job publishes at
        most one version. ``activate`` makes it the active version in the same transaction.
        Raises :class:`VersionConflict` when the version name is taken; a disk error propagates
        and leaves no version behind.
        """
        manifest: Manifest = yield Offload(partial(load_manifest, Path(model_dir)))
        _check_idempotency_key(idempotency_key)
        try:
            return (yield from self._publish(Path(model_dir), manifest, idempotency_key, activate))
        except VersionConflict:
            # A concurrent delivery of the same job may have committed meanwhile, possibly
            # under this very version name: then its result is ours.
            earlier = yield from self._idempotent_result(idempotency_key)
            if earlier is None:
                raise
            return earlier

    def _publish(
        self, model_dir: Path, manifest: Manifest, idempotency_key: str | None, activate: bool
    ) -> Op[Manifest]:
        version = validate_version_name(manifest.version)
        earlier = yield from self._idempotent_result(idempotency_key)
        if earlier is not None:
            return earlier
        if (yield call("hexists", self.keys.manifests, version)):
            raise VersionConflict(f"model version {version} already exists")
        yield Offload(partial(self._install_or_adopt, model_dir, manifest))
        watches: tuple[str, ...] = (self.keys.manifests, self.keys.active)
        if idempotency_key:
            watches += (self.keys.idempotency(idempotency_key),)
        recorded: Recorded = yield Transaction(
            watches,
            partial(
                record_publication,
                keys=self.keys,
                manifest=manifest,
                idempotency_key=idempotency_key,
                activate=activate,
            ),
        )
        if recorded.outcome == "conflict":
            raise VersionConflict(f"model version {version} already exists")
        if recorded.outcome == "duplicate":
            # Another delivery of the same job won the race: drop our unregistered copy.
            if recorded.version != version:
                yield Offload(partial(self.artifacts.remove, version))
            return (yield from self._manifest(recorded.version))
        log.info("published model %s (parent %s)", version, manifest.parent)
        yield from self._announce(RegistryEvent(type="published", version=version))
        if activate:
            yield from self._announce(
                RegistryEvent(type="activated", version=version, previous=recorded.previous)
            )
        return manifest

    def _install_or_adopt(self, source: Path, manifest: Manifest) -> None:
        """Install the copy, or adopt an identical unregistered one left by an earlier crash
        between the rename and the Redis commit."""
        self.artifacts.sweep()
        try:
            self.artifacts.install(source, manifest)
        except FileExistsError:
            on_disk = load_manifest(self.artifacts.path(manifest.version))
            if on_disk.files != manifest.files:
                raise VersionConflict(
                    f"model version {manifest.version} already exists in the artifact store "
                    "with different contents"
                ) from None
            log.warning("adopting unregistered artifact directory %s", manifest.version)

    def _idempotent_result(self, idempotency_key: str | None) -> Op[Manifest | None]:
        if not idempotency_key:
            return None
        winner = text((yield call("get", self.keys.idempotency(idempotency_key))))
        if winner is None:
            return None
        try:
            return (yield from self._manifest(winner))
        except ModelNotFound:
            raise VersionConflict(
                f"idempotency key {idempotency_key!r} already published {winner}, "
                "which has since been deleted"
            ) from None

    # --- reading ------------------------------------------------------------------------------
    @operation("read a model manifest")
    def get(self, version: str) -> Op[Manifest]:
        """The recorded manifest of ``version`` (:class:`ModelNotFound` if unknown)."""
        return (yield from self._manifest(version))

    def _manifest(self, version: str) -> Op[Manifest]:
        validate_version_name(version)
        raw = yield call("hget", self.keys.manifests, version)
        if raw is None:
            raise ModelNotFound(f"unknown model version {version}")
        return Manifest.model_validate_json(raw)

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

    def _verified(self, version: str) -> Op[tuple[Path, Manifest]]:
        recorded = yield from self._manifest(version)
        directory = self.artifacts.path(version)
        on_disk: Manifest = yield Offload(partial(load_manifest, directory))
        if on_disk.files != recorded.files:
            raise ChecksumMismatch(
                f"{version}: the manifest on disk differs from the registry's; refusing it"
            )
        return directory, recorded

    @operation("list model versions")
    def list(self) -> Op[builtins.list[Manifest]]:
        """Every recorded version's manifest, newest first."""
        return (yield from self._manifests())

    def _manifests(self) -> Op[builtins.list[Manifest]]:
        versions = texts((yield call("zrevrange", self.keys.history, 0, -1)))
        raws = (yield call("hmget", self.keys.manifests, versions)) if versions else []
        return [Manifest.model_validate_json(raw) for raw in raws if raw is not None]

    @operation("list model versions")
    def summaries(self) -> Op[builtins.list[ModelSummary]]:
        """Every version newest first, as the API lists them (manifest plus ``active``)."""
        active = text((yield call("get", self.keys.active)))
        manifests = yield from self._manifests()
        return [
            ModelSummary(**{**manifest_dict(m), "active": m.version == active}) for m in manifests
        ]

    # --- activation ---------------------------------------------------------------------------
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

    # --- retention ----------------------------------------------------------------------------
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

    # --- events -------------------------------------------------------------------------------
    def _announce(self, event: RegistryEvent) -> Op[None]:
        """Publish an event after its change committed. A lost message is tolerable: the
        state is in Redis and listeners reconcile with it whenever they reconnect."""
        try:
            yield call("publish", self.keys.registry_channel, event.model_dump_json())
        except redis.RedisError as exc:
            log.warning("could not announce %s of %s: %s", event.type, event.version, exc)


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


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LEN:
        raise ValueError(f"an idempotency key must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters")
