"""What every registry operation stands on: the artifact store, key names, reading a
recorded manifest, verifying a version's files and announcing a change
(see :mod:`.model_registry`)."""

from __future__ import annotations

import builtins
import logging
from functools import partial
from pathlib import Path
from typing import Any

import redis

from spikeglyph.errors import ChecksumMismatch, ModelNotFound
from spikeglyph.modeldir import Manifest, load_manifest, validate_version_name
from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores.artifacts import ArtifactStore
from spikeglyph.stores.connection import texts
from spikeglyph.stores.driver import Offload, Op, Store, call
from spikeglyph.stores.keys import DEFAULT_NAMESPACE

log = logging.getLogger(__name__)


class RegistryCore(Store):
    """Model versions: immutable directories in an artifact store, metadata in Redis."""

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

    def _manifest(self, version: str) -> Op[Manifest]:
        validate_version_name(version)
        raw = yield call("hget", self.keys.manifests, version)
        if raw is None:
            raise ModelNotFound(f"unknown model version {version}")
        return Manifest.model_validate_json(raw)

    def _verified(self, version: str) -> Op[tuple[Path, Manifest]]:
        recorded = yield from self._manifest(version)
        directory = self.artifacts.path(version)
        on_disk: Manifest = yield Offload(partial(load_manifest, directory))
        if on_disk.files != recorded.files:
            raise ChecksumMismatch(
                f"{version}: the manifest on disk differs from the registry's; refusing it"
            )
        return directory, recorded

    def _manifests(self) -> Op[builtins.list[Manifest]]:
        versions = texts((yield call("zrevrange", self.keys.history, 0, -1)))
        raws = (yield call("hmget", self.keys.manifests, versions)) if versions else []
        return [Manifest.model_validate_json(raw) for raw in raws if raw is not None]

    def _announce(self, event: RegistryEvent) -> Op[None]:
        """Publish an event after its change committed. A lost message is tolerable: the
        state is in Redis and listeners reconcile with it whenever they reconnect."""
        try:
            yield call("publish", self.keys.registry_channel, event.model_dump_json())
        except redis.RedisError as exc:
            log.warning("could not announce %s of %s: %s", event.type, event.version, exc)
