"""The artifact store: one immutable directory per model version under a root directory.

A version becomes visible on disk only by an atomic ``rename`` of a fully written and fsynced
hidden staging directory, so a crash at any instant leaves either no version or a complete one.
Hidden entries (names starting with ``.``) are staging or trash directories: never versions.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from spikeglyph.errors import InvalidVersionName
from spikeglyph.modeldir import (
    MANIFEST_NAME,
    Manifest,
    fsync_dir,
    fsync_file,
    load_manifest,
    read_manifest,
    validate_version_name,
)

log = logging.getLogger(__name__)

STAGING_SUFFIX = ".tmp"


class DirectoryArtifactStore:
    """Directories of model versions under ``root`` (a local directory or a shared volume).

    One of the two backends of :class:`spikeglyph.stores.artifact_backend.ArtifactBackend`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, version: str) -> Path:
        """Where ``version`` lives; refuses any name that could leave the root."""
        validate_version_name(version)
        root = self.root.resolve()
        candidate = (root / version).resolve()
        if candidate.parent != root:
            raise InvalidVersionName(f"model version {version!r} escapes the artifact store")
        return candidate

    def exists(self, version: str) -> bool:
        return self.path(version).is_dir()

    def versions_on_disk(self) -> list[str]:
        """Names of the visible version directories (staging and trash are hidden)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _visible(p.name))

    def versions(self) -> list[str]:
        return self.versions_on_disk()

    def read_manifest(self, version: str) -> Manifest:
        """The stored manifest of ``version``, files not verified (the cache verifies them)."""
        return read_manifest(self.path(version))

    def download(self, version: str, name: str, dest: Path) -> None:
        """Copy one file of ``version`` to ``dest``."""
        shutil.copyfile(self.path(version) / name, dest)

    def install(self, source: Path, manifest: Manifest) -> Path:
        """Copy a verified model directory into the store as ``manifest.version``, atomically.

        Only the manifest and the files it lists are copied; the copy is verified again before
        the rename, so bytes damaged in transit never become a version. Raises
        :class:`FileExistsError` when the version directory already exists; any other failure
        (read-only or full disk) propagates after the staging directory is removed.
        """
        target = self.path(manifest.version)
        self.root.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise FileExistsError(f"{target} already exists")
        staging = Path(
            tempfile.mkdtemp(prefix=f".{manifest.version}.", suffix=STAGING_SUFFIX, dir=self.root)
        )
        try:
            staging.chmod(0o755)  # mkdtemp makes it private; every service reads versions
            for name in (*manifest.files, MANIFEST_NAME):
                dest = staging / name
                shutil.copyfile(Path(source) / name, dest)
                fsync_file(dest)
            load_manifest(staging)  # the copy must verify exactly like the source
            fsync_dir(staging)
            os.rename(staging, target)
            fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        log.info("installed model %s at %s", manifest.version, target)
        return target

    def remove(self, version: str) -> None:
        """Delete a version: rename it to a hidden trash name first, so no reader ever sees a
        half-deleted directory under the version's name."""
        target = self.path(version)
        if not target.exists():
            return
        trash = self.root / f".{version}.deleted-{uuid.uuid4().hex}"
        os.rename(target, trash)
        shutil.rmtree(trash, ignore_errors=True)
        log.info("removed model %s from the artifact store", version)

    def sweep(self, max_age_s: float = 3600.0) -> list[Path]:
        """Remove hidden staging/trash directories older than ``max_age_s`` (crash leftovers).

        Young ones are left alone: they may belong to a publish still in progress elsewhere.
        """
        if not self.root.is_dir():
            return []
        cutoff = time.time() - max_age_s
        removed: list[Path] = []
        for entry in self.root.iterdir():
            if _visible(entry.name) or not entry.is_dir():
                continue
            try:
                if entry.stat().st_mtime > cutoff:
                    continue
            except FileNotFoundError:
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
            log.info("swept stale artifact directory %s", entry)
        return removed


# The name every caller used before a second backend existed.
ArtifactStore = DirectoryArtifactStore


def _visible(name: str) -> bool:
    return not name.startswith(".")
