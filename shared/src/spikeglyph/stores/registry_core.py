"""What every registry operation stands on: the artifact store, key names, reading a
recorded manifest, verifying a version's files and announcing a change
(see :mod:`.model_registry`)."""

from __future__ import annotations

import builtins
import logging
from functools import partial
from pathlib import Path
from typing import Any, Self

import redis

from spikeglyph.errors import ChecksumMismatch, ModelNotFound
from spikeglyph.modeldir import Manifest, load_manifest, validate_version_name
from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores.artifact_backend import ArtifactBackend
from spikeglyph.stores.artifact_setup import ArtifactSettings, open_artifacts
from spikeglyph.stores.artifacts import DirectoryArtifactStore
from spikeglyph.stores.connection import texts
from spikeglyph.stores.driver import Offload, Op, Store, call
from spikeglyph.stores.keys import DEFAULT_NAMESPACE
from spikeglyph.stores.version_cache import VersionCache

log = logging.getLogger(__name__)


class RegistryCore(Store):
    """Model versions: immutable versions in an artifact store, metadata in Redis.

    ``artifacts`` is a directory (versions are verified and loaded in place, as they are
    local already) or any :class:`ArtifactBackend`; a backend that is not a directory needs a
    ``cache``, through which every version is downloaded and verified before it is loaded.
    """

    def __init__(
        self,
        client: Any,
        artifacts: Path | ArtifactBackend,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        cache: VersionCache | None = None,
    ) -> None:
        super().__init__(client, namespace)
        if isinstance(artifacts, (str, Path)):
            artifacts = DirectoryArtifactStore(Path(artifacts))
        if cache is None and not isinstance(artifacts, DirectoryArtifactStore):
            raise ValueError("a remote artifact store needs a local cache")
        self.artifacts: ArtifactBackend = artifacts
        self.cache = cache

    @classmethod
    def from_settings(cls, client: Any, settings: ArtifactSettings) -> Self:
        """A registry on the store ``SPIKEGLYPH_ARTIFACTS_URL`` names (see
        :func:`~spikeglyph.stores.artifact_setup.open_artifacts`)."""
        store, cache = open_artifacts(settings)
        return cls(client, store, cache=cache)

    @property
    def channel(self) -> str:
        """The pub/sub channel of this registry's :class:`RegistryEvent` messages."""
        return self.keys.registry_channel

    def path(self, version: str) -> Path:
        """The directory of ``version`` in a directory store; never a path outside it."""
        if not isinstance(self.artifacts, DirectoryArtifactStore):
            raise TypeError("versions in object storage are read through the cache")
        return self.artifacts.path(version)

    def _manifest(self, version: str) -> Op[Manifest]:
        validate_version_name(version)
        raw = yield call("hget", self.keys.manifests, version)
        if raw is None:
            raise ModelNotFound(f"unknown model version {version}")
        return Manifest.model_validate_json(raw)

    def _verified(self, version: str) -> Op[tuple[Path, Manifest]]:
        recorded = yield from self._manifest(version)
        if self.cache is not None:
            # Downloaded (once) and verified against the recorded manifest before any use.
            cached: Path = yield Offload(partial(self.cache.get, version, recorded))
            return cached, recorded
        directory = self.path(version)
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
