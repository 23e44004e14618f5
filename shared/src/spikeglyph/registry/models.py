"""The model registry: immutable versions on disk, their metadata and the active pointer in Redis.

Trainer workers :meth:`~ModelRegistry.publish` model directories; the gateway lists and
activates versions; every inference replica follows the ``activated`` events with
:meth:`~ModelRegistry.listen`. Redis holds, under one namespace (see :mod:`.keys`): each
version's manifest, the history ordered by creation time, the lineage (parent of each
version), idempotency keys of publishes, the active version and the activation history.
Metadata changes are single MULTI/EXEC transactions; events go out only after they commit.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import redis
import redis.asyncio as aioredis

from spikeglyph.errors import ChecksumMismatch, ModelNotFound, VersionConflict
from spikeglyph.modeldir import Manifest, load_manifest, manifest_dict, validate_version_name
from spikeglyph.registry.artifacts import ArtifactStore
from spikeglyph.registry.connection import (
    connect,
    redis_guard,
    require_binary,
    text,
    texts,
    transact,
)
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, Keys
from spikeglyph.registry.registry_txn import (
    activate_version,
    apply_rollback,
    forget_version,
    plan_rollback,
    record_publication,
)
from spikeglyph.registry.subscriber import listen_registry
from spikeglyph.registry.subscriber_async import EventHandler, alisten_registry
from spikeglyph.schemas import ModelSummary, RegistryEvent

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY_LEN = 200


class ModelRegistry:
    """Publish, list, activate and roll back model versions; follow activations live."""

    def __init__(
        self, redis: redis.Redis, artifacts_dir: Path, namespace: str = DEFAULT_NAMESPACE
    ) -> None:
        require_binary(redis)
        self.redis = redis
        self.keys = Keys(namespace)
        self.artifacts = ArtifactStore(artifacts_dir)

    @classmethod
    def from_url(
        cls, url: str, artifacts_dir: Path, namespace: str = DEFAULT_NAMESPACE
    ) -> ModelRegistry:
        return cls(connect(url), artifacts_dir, namespace)

    @property
    def channel(self) -> str:
        """The pub/sub channel of this registry's :class:`RegistryEvent` messages."""
        return self.keys.registry_channel

    # --- publishing ---------------------------------------------------------------------------
    def publish(
        self, model_dir: Path, *, idempotency_key: str | None = None, activate: bool = False
    ) -> Manifest:
        """Copy a verified model directory into the store and record it as a new version.

        With an ``idempotency_key`` (e.g. the job id) a second publish with the same key
        returns the first one's manifest and changes nothing, so a redelivered job publishes at
        most one version. ``activate`` makes it the active version in the same transaction.
        Raises :class:`VersionConflict` when the version name is taken; a disk error propagates
        and leaves no version behind.
        """
        manifest = load_manifest(Path(model_dir))
        _check_idempotency_key(idempotency_key)
        try:
            return self._publish(Path(model_dir), manifest, idempotency_key, activate)
        except VersionConflict:
            # A concurrent delivery of the same job may have committed meanwhile, possibly
            # under this very version name: then its result is ours.
            with redis_guard("publish a model"):
                earlier = self._idempotent_result(idempotency_key)
            if earlier is None:
                raise
            return earlier

    def _publish(
        self, model_dir: Path, manifest: Manifest, idempotency_key: str | None, activate: bool
    ) -> Manifest:
        version = validate_version_name(manifest.version)
        with redis_guard("publish a model"):
            earlier = self._idempotent_result(idempotency_key)
            if earlier is not None:
                return earlier
            if self.redis.hexists(self.keys.manifests, version):
                raise VersionConflict(f"model version {version} already exists")
        self.artifacts.sweep()
        self._install_or_adopt(model_dir, manifest)
        with redis_guard("record a published model"):
            outcome, winner, previous = transact(
                self.redis,
                lambda pipe: record_publication(
                    pipe, self.keys, manifest, idempotency_key, activate
                ),
                self.keys.manifests,
                self.keys.active,
                *([self.keys.idempotency(idempotency_key)] if idempotency_key else []),
            )
        if outcome == "conflict":
            raise VersionConflict(f"model version {version} already exists")
        if outcome == "duplicate":
            # Another delivery of the same job won the race: drop our unregistered copy.
            if winner != version:
                self.artifacts.remove(version)
            return self.get(winner)
        log.info("published model %s (parent %s)", version, manifest.parent)
        self._announce(RegistryEvent(type="published", version=version))
        if activate:
            self._announce(RegistryEvent(type="activated", version=version, previous=previous))
        return manifest

    def _install_or_adopt(self, source: Path, manifest: Manifest) -> None:
        """Install the copy, or adopt an identical unregistered one left by an earlier crash
        between the rename and the Redis commit."""
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

    def _idempotent_result(self, idempotency_key: str | None) -> Manifest | None:
        if not idempotency_key:
            return None
        winner = text(self.redis.get(self.keys.idempotency(idempotency_key)))
        if winner is None:
            return None
        try:
            return self.get(winner)
        except ModelNotFound:
            raise VersionConflict(
                f"idempotency key {idempotency_key!r} already published {winner}, "
                "which has since been deleted"
            ) from None

    # --- reading ------------------------------------------------------------------------------
    def get(self, version: str) -> Manifest:
        """The recorded manifest of ``version`` (:class:`ModelNotFound` if unknown)."""
        validate_version_name(version)
        with redis_guard("read a model manifest"):
            raw = self.redis.hget(self.keys.manifests, version)
        if raw is None:
            raise ModelNotFound(f"unknown model version {version}")
        return Manifest.model_validate_json(raw)

    def active_version(self) -> str | None:
        with redis_guard("read the active model"):
            return text(self.redis.get(self.keys.active))

    def parent(self, version: str) -> str | None:
        validate_version_name(version)
        with redis_guard("read a model's lineage"):
            return text(self.redis.hget(self.keys.parents, version))

    def path(self, version: str) -> Path:
        """The directory of ``version``; never a path outside the artifact store."""
        return self.artifacts.path(version)

    def load_verified(self, version: str) -> tuple[Path, Manifest]:
        """Directory and manifest of a registered version whose files all verify.

        Raises :class:`ChecksumMismatch` if any file was altered, or if the manifest on disk
        is not the one the registry recorded.
        """
        recorded = self.get(version)
        directory = self.artifacts.path(version)
        on_disk = load_manifest(directory)
        if on_disk.files != recorded.files:
            raise ChecksumMismatch(
                f"{version}: the manifest on disk differs from the registry's; refusing it"
            )
        return directory, recorded

    # --- activation ---------------------------------------------------------------------------
    def activate(self, version: str) -> RegistryEvent:
        """Make ``version`` the active one (after verifying its files) and announce it."""
        self.load_verified(version)

        with redis_guard("activate a model"):
            previous = transact(
                self.redis,
                lambda pipe: activate_version(pipe, self.keys, version),
                self.keys.manifests,
                self.keys.active,
            )
        event = RegistryEvent(type="activated", version=version, previous=previous)
        log.info("activated model %s (was %s)", version, previous)
        self._announce(event)
        return event

    def rollback(self) -> RegistryEvent:
        """Re-activate the version active before the current one (or else its parent)."""
        watched = (self.keys.active, self.keys.activations, self.keys.manifests)
        while True:
            with redis_guard("roll back the active model"):
                plan = plan_rollback(self.redis, self.keys)
            self.load_verified(plan.target)
            with redis_guard("roll back the active model"):
                applied = transact(
                    self.redis,
                    partial(apply_rollback, keys=self.keys, plan=plan),
                    *watched,
                )
            if applied:
                break
            # Someone activated or deleted a version meanwhile: plan (and verify) again.
        event = RegistryEvent(type="activated", version=plan.target, previous=plan.current)
        log.info("rolled back from %s to %s", plan.current, plan.target)
        self._announce(event)
        return event

    # --- retention ----------------------------------------------------------------------------
    def apply_retention(self, keep: int) -> builtins.list[str]:
        """Delete the oldest versions beyond the newest ``keep``; return what was deleted.

        The active version and its parent are never deleted, whatever their age.
        """
        if keep < 1:
            raise ValueError("keep must be at least 1")
        with redis_guard("apply model retention"):
            versions = texts(self.redis.zrevrange(self.keys.history, 0, -1))
        deleted: builtins.list[str] = []
        for version in versions[keep:]:
            with redis_guard("delete a model version"):
                forgotten = transact(
                    self.redis,
                    partial(forget_version, keys=self.keys, version=version),
                    self.keys.active,
                    self.keys.parents,
                )
            if forgotten:
                self.artifacts.remove(version)
                deleted.append(version)
        if deleted:
            log.info("retention deleted %s", ", ".join(deleted))
        return deleted

    # --- events -------------------------------------------------------------------------------
    def _announce(self, event: RegistryEvent) -> None:
        """Publish an event after its change committed. A lost message is tolerable: the
        state is in Redis and listeners reconcile with it whenever they reconnect."""
        try:
            self.redis.publish(self.keys.registry_channel, event.model_dump_json())
        except redis.RedisError as exc:
            log.warning("could not announce %s of %s: %s", event.type, event.version, exc)

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

    async def alisten(
        self,
        client: aioredis.Redis,
        on_event: EventHandler,
        stop: asyncio.Event,
        *,
        reconnect_delay: float = 0.5,
        known_active: str | None = None,
    ) -> None:
        """:meth:`listen` for an event loop, on an asyncio ``client`` of the same Redis;
        ``on_event`` may be a plain function or a coroutine function."""
        await alisten_registry(
            client,
            on_event,
            stop,
            namespace=self.keys.namespace,
            reconnect_delay=reconnect_delay,
            known_active=known_active,
        )

    # --- listing (last: ``list`` shadows the builtin inside the class body) -----------------
    def summaries(self) -> builtins.list[ModelSummary]:
        """Every version newest first, as the API lists them (manifest plus ``active``)."""
        active = self.active_version()
        return [
            ModelSummary(**{**manifest_dict(m), "active": m.version == active}) for m in self.list()
        ]

    def list(self) -> builtins.list[Manifest]:
        """Every recorded version's manifest, newest first."""
        with redis_guard("list model versions"):
            versions = texts(self.redis.zrevrange(self.keys.history, 0, -1))
            raws = self.redis.hmget(self.keys.manifests, versions) if versions else []
        return [Manifest.model_validate_json(raw) for raw in raws if raw is not None]


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LEN:
        raise ValueError(f"an idempotency key must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters")
