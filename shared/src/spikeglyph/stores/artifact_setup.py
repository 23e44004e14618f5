"""Build a service's artifact store and version cache from its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from spikeglyph.stores.artifact_backend import ArtifactBackend, open_artifact_store
from spikeglyph.stores.artifacts import DirectoryArtifactStore
from spikeglyph.stores.version_cache import VersionCache


class ArtifactSettings(Protocol):
    """The settings fields this needs (every service's settings object has them)."""

    artifacts_url: str | None
    artifacts_dir: Path
    cache_dir: Path
    cache_versions: int


def open_artifacts(settings: ArtifactSettings) -> tuple[ArtifactBackend, VersionCache | None]:
    """The store ``SPIKEGLYPH_ARTIFACTS_URL`` names and, for object storage, the local cache
    under ``SPIKEGLYPH_CACHE_DIR``. A directory store needs no cache: its versions are local
    already and are verified in place before each load, as they always were."""
    store = open_artifact_store(settings.artifacts_url, settings.artifacts_dir)
    if isinstance(store, DirectoryArtifactStore):
        return store, None
    return store, VersionCache(store, settings.cache_dir, keep=settings.cache_versions)
