"""Publishing model versions: a directory from a job or an upload, and the shipped models.

A version is copied into the artifact store (atomically, verified again) and then recorded in
one transaction; an idempotency key (a job id) makes a redelivered job publish at most once.
On first start the trainer publishes every shipped model directory the registry lacks and
activates the default one when nothing is active yet (:meth:`PublishingOps.publish_shipped`).
"""

from __future__ import annotations

import builtins
import logging
from functools import partial
from pathlib import Path

from spikeglyph.errors import ModelNotFound, SpikeGlyphError, VersionConflict
from spikeglyph.modeldir import MANIFEST_NAME, Manifest, load_manifest, validate_version_name
from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores.artifacts import DirectoryArtifactStore
from spikeglyph.stores.connection import text
from spikeglyph.stores.driver import Offload, Op, Transaction, call, operation
from spikeglyph.stores.registry_core import RegistryCore
from spikeglyph.stores.registry_transactions import Recorded, activate_if_unset, record_publication

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY_LEN = 200


class PublishingOps(RegistryCore):
    """Operations that add versions to the registry."""

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
        if isinstance(self.artifacts, DirectoryArtifactStore):
            self.artifacts.sweep()
        try:
            self.artifacts.install(source, manifest)
        except FileExistsError:
            on_disk = (
                load_manifest(self.artifacts.path(manifest.version))
                if isinstance(self.artifacts, DirectoryArtifactStore)
                else self.artifacts.read_manifest(manifest.version)
            )
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

    @operation("publish the shipped models")
    def publish_shipped(
        self, models_dir: Path, default: str | None = None
    ) -> Op[builtins.list[str]]:
        """Publish every model directory under ``models_dir`` that the registry lacks; when no
        version is active, activate the one in ``models_dir / default``. Returns the versions
        published. A directory that does not verify is skipped with a warning."""
        directories: builtins.list[Path] = yield Offload(partial(_model_dirs, Path(models_dir)))
        published: builtins.list[str] = []
        default_version = None
        for directory in directories:
            try:
                manifest: Manifest = yield Offload(partial(load_manifest, directory))
            except SpikeGlyphError as exc:
                log.warning("not publishing shipped model %s: %s", directory, exc)
                continue
            if directory.name == default:
                default_version = manifest.version
            if (yield call("hexists", self.keys.manifests, manifest.version)):
                continue
            try:
                yield from self._publish(directory, manifest, None, False)
            except VersionConflict as exc:  # published meanwhile by another process
                log.info("shipped model %s: %s", manifest.version, exc)
                continue
            published.append(manifest.version)
        if default_version is not None:
            yield from self._activate_if_unset(default_version)
        return published

    def _activate_if_unset(self, version: str) -> Op[None]:
        activated = yield Transaction(
            (self.keys.active, self.keys.manifests),
            partial(activate_if_unset, keys=self.keys, version=version),
        )
        if activated:
            log.info("activated the shipped default %s", version)
            yield from self._announce(RegistryEvent(type="activated", version=version))


def _model_dirs(root: Path) -> builtins.list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / MANIFEST_NAME).is_file())


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LEN:
        raise ValueError(f"an idempotency key must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters")
