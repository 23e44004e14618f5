"""Each service's local cache of the model versions it loads (``SPIKEGLYPH_CACHE_DIR``).

A version is downloaded from the artifact store once, into a hidden staging directory; every
file's sha256 is checked against the manifest before the directory is renamed into place, so
a damaged or tampered object is refused (logged and raised as :class:`ChecksumMismatch`) and
never served. After a restart a cached version is hashed again on its first use: model files
are a few megabytes, hashing them costs milliseconds, and it also catches a disk that rotted
under the cache, which comparing sizes would not. Within one process a verified version is
not hashed again.

Bounded: after each download the cache keeps the ``keep`` (at least 2) most recently used
versions. The one just fetched is the most recent and the one a service was serving until then
is the next, so neither is ever evicted; :meth:`VersionCache.evict` can protect more.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from spikeglyph.errors import ChecksumMismatch
from spikeglyph.modeldir import (
    MANIFEST_NAME,
    Manifest,
    fsync_dir,
    fsync_file,
    read_manifest,
    validate_version_name,
    verify_files,
)
from spikeglyph.stores.artifact_backend import ArtifactBackend

log = logging.getLogger(__name__)

DEFAULT_KEEP = 4


class VersionCache:
    """Verified local copies of versions from ``store`` under ``root``."""

    def __init__(self, store: ArtifactBackend, root: Path, keep: int = DEFAULT_KEEP) -> None:
        if keep < 2:
            raise ValueError("the cache must keep at least two versions (new and previous)")
        self.store = store
        self.root = Path(root)
        self.keep = keep
        self._verified: set[str] = set()
        self._lock = threading.Lock()
        self._sweep()

    def _sweep(self) -> None:
        """Drop staging and trash left by a crash: the cache belongs to this process alone, so
        any hidden entry at start is a leftover, never a download in progress."""
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if entry.name.startswith(".") and entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)

    def get(self, version: str, expected: Manifest | None = None) -> Path:
        """A local, verified directory of ``version``, downloading it if needed.

        ``expected`` is the manifest the registry recorded; when given, the stored one must
        list the same files and hashes. Raises :class:`ChecksumMismatch` on any difference
        and whatever the store raises when it cannot be reached (nothing is left behind).
        """
        validate_version_name(version)
        with self._lock:
            target = self.root / version
            if target.is_dir():
                try:
                    self._check(target, version, expected)
                    os.utime(target)  # most recently used: last to be evicted
                    return target
                except ChecksumMismatch as exc:
                    log.error("cached model %s is damaged, fetching it again: %s", version, exc)
                    self._discard(target)
            fetched = self._fetch(version, expected)
        self.evict(in_use={version})
        return fetched

    def _check(self, directory: Path, version: str, expected: Manifest | None) -> None:
        manifest = read_manifest(directory)
        if expected is not None and manifest.files != expected.files:
            raise ChecksumMismatch(f"{version}: the stored manifest differs from the registry's")
        if version not in self._verified:
            verify_files(directory, manifest)
            self._verified.add(version)

    def _fetch(self, version: str, expected: Manifest | None) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.", suffix=".tmp", dir=self.root))
        try:
            manifest = self.store.read_manifest(version)
            if manifest.version != version:
                raise ChecksumMismatch(f"{version}: the stored manifest names {manifest.version}")
            for name in manifest.files:
                if Path(name).name != name:
                    raise ChecksumMismatch(f"{version}: manifest lists {name!r}")
                self.store.download(version, name, staging / name)
                fsync_file(staging / name)
            (staging / MANIFEST_NAME).write_text(manifest.model_dump_json())
            self._verified.discard(version)
            try:
                self._check(staging, version, expected)
            except ChecksumMismatch as exc:
                log.error("refusing model %s from the artifact store: %s", version, exc)
                raise
            staging.chmod(0o755)
            fsync_dir(staging)
            os.rename(staging, self.root / version)
            fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            self._verified.discard(version)
            raise
        log.info("cached model %s in %s", version, self.root)
        return self.root / version

    def cached(self) -> list[str]:
        """Versions in the cache, most recently used first."""
        if not self.root.is_dir():
            return []
        entries = [p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        return [p.name for p in entries]

    def evict(self, in_use: Iterable[str] = ()) -> list[str]:
        """Remove all but the ``keep`` most recently used versions, never one in ``in_use``."""
        protected = set(in_use)
        with self._lock:
            spare = [v for v in self.cached() if v not in protected]
            room = max(self.keep - (len(self.cached()) - len(spare)), 0)
            removed = spare[room:]
            for version in removed:
                self._discard(self.root / version)
                log.info("evicted model %s from the cache", version)
        return removed

    def _discard(self, directory: Path) -> None:
        self._verified.discard(directory.name)
        trash = directory.with_name(f".{directory.name}.deleted")
        shutil.rmtree(trash, ignore_errors=True)
        os.rename(directory, trash)
        shutil.rmtree(trash, ignore_errors=True)
