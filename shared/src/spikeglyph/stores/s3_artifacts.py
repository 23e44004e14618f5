"""Model versions in S3-compatible object storage (AWS S3, MinIO, Ceph, the GCS S3 API).

boto3 is the client: it is the reference SDK, every S3-compatible server is tested against it,
and it reads the standard ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` and ``AWS_REGION`` variables itself, so no credential passes through
SpikeGlyph's settings. Layout: ``<prefix>/<version>/<file>``.

Atomic from a reader's point of view: every file of a version is uploaded first and
``manifest.json`` last; a version without its manifest does not exist for :meth:`exists`,
:meth:`versions` or a reader. Removal deletes the manifest first for the same reason.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from spikeglyph.errors import InvalidModel, ModelNotFound, ServiceUnavailable
from spikeglyph.modeldir import MANIFEST_NAME, Manifest, load_manifest, validate_version_name

log = logging.getLogger(__name__)

_MISSING = {"404", "NoSuchKey", "NotFound"}
# Bounded waits: an unreachable store must fail a load quickly (the service keeps serving the
# version it has and retries on the next event), not hang a swap for minutes.
_CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3}
)


class S3ArtifactStore:
    """Versions under ``s3://bucket/prefix``."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client if client is not None else boto3.client("s3", config=_CLIENT_CONFIG)

    def _key(self, version: str, name: str) -> str:
        validate_version_name(version)
        return "/".join(part for part in (self.prefix, version, name) if part)

    def exists(self, version: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(version, MANIFEST_NAME))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        return True

    def versions(self) -> list[str]:
        """Versions whose manifest is present (complete uploads only)."""
        base = f"{self.prefix}/" if self.prefix else ""
        found: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=base
            )
            for page in pages:
                for item in page.get("Contents", []):
                    rest = item["Key"][len(base) :]
                    version, _, name = rest.partition("/")
                    if name == MANIFEST_NAME:
                        found.append(version)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc
        return sorted(found)

    def read_manifest(self, version: str) -> Manifest:
        try:
            body = self.client.get_object(
                Bucket=self.bucket, Key=self._key(version, MANIFEST_NAME)
            )["Body"].read()
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise ModelNotFound(f"model {version} is not in the artifact store") from exc
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        try:
            return Manifest.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidModel(f"the stored manifest of {version} is not valid") from exc

    def download(self, version: str, name: str, dest: Path) -> None:
        try:
            self.client.download_file(self.bucket, self._key(version, name), str(dest))
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc

    def install(self, source: Path, manifest: Manifest) -> str:
        """Upload a verified model directory as ``manifest.version``; manifest last.

        Raises :class:`FileExistsError` when the version already exists: versions are
        immutable. Returns the version's URL.
        """
        load_manifest(Path(source))  # never upload bytes that do not match their manifest
        if self.exists(manifest.version):
            raise FileExistsError(f"model {manifest.version} already exists in the store")
        try:
            for name in manifest.files:
                self.client.upload_file(
                    str(Path(source) / name), self.bucket, self._key(manifest.version, name)
                )
            self.client.upload_file(
                str(Path(source) / MANIFEST_NAME),
                self.bucket,
                self._key(manifest.version, MANIFEST_NAME),
            )
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc
        url = f"s3://{self.bucket}/{self._key(manifest.version, '')}"
        log.info("installed model %s at %s", manifest.version, url)
        return url

    def remove(self, version: str) -> None:
        """Delete a version, manifest first so no reader ever sees a half-deleted one."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(version, MANIFEST_NAME))
            base = self._key(version, "") + "/"
            listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=base)
            for item in listing.get("Contents", []):
                self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc
        log.info("removed model %s from the artifact store", version)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _unavailable(exc: Exception) -> ServiceUnavailable:
    log.warning("artifact store unreachable: %s", exc)
    return ServiceUnavailable(f"the artifact store cannot be reached: {type(exc).__name__}")
