"""The artifact-store interface and the factory that picks a backend from configuration.

Two backends: a directory (a local disk or a shared volume, the default) and S3-compatible
object storage (AWS S3, MinIO, Ceph, the GCS S3 API), chosen by ``SPIKEGLYPH_ARTIFACTS_URL``.
Services read a version from object storage through
:class:`spikeglyph.stores.version_cache.VersionCache`, which verifies every file first; a
directory store's versions are local already and are verified in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from spikeglyph.artifact_urls import parse_artifacts_url
from spikeglyph.modeldir import Manifest
from spikeglyph.stores.artifacts import DirectoryArtifactStore


class ArtifactBackend(Protocol):
    """Immutable model versions: a version is visible only once complete, never overwritten."""

    def exists(self, version: str) -> bool: ...

    def versions(self) -> list[str]: ...

    def read_manifest(self, version: str) -> Manifest: ...

    def download(self, version: str, name: str, dest: Path) -> None: ...

    def install(self, source: Path, manifest: Manifest) -> object: ...

    def remove(self, version: str) -> None: ...


def open_artifact_store(url: str | None, directory: Path) -> ArtifactBackend:
    """The backend ``url`` names; without a URL, the directory (today's default)."""
    if not url:
        return DirectoryArtifactStore(directory)
    scheme, location, prefix = parse_artifacts_url(url)
    if scheme == "file":
        return DirectoryArtifactStore(Path(location))
    # Imported here: boto3 lives in the `s3` extra, which a directory deployment does not need.
    from spikeglyph.stores.s3_artifacts import S3ArtifactStore

    return S3ArtifactStore(location, prefix)
