"""``POST /api/v1/models`` on a gateway configured for S3-compatible object storage: the upload
becomes a version in the bucket, not on the gateway's disk, and is never overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spikeglyph.modelarchive import pack
from spikeglyph.modeldir import load_manifest
from spikeglyph.stores.s3_artifacts import S3ArtifactStore
from tests.integration.gateway.stack import (
    API_KEY,
    OPEN,
    Gateway,
    start_fake_replica,
    start_gateway,
)
from tests.support.procs import RedisServer
from tests.support.s3 import s3_server

pytestmark = pytest.mark.integration

SHIPPED = Path(__file__).resolve().parents[3] / "models"
BUCKET = "models"


@pytest.fixture()
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    with s3_server(monkeypatch, BUCKET):
        redis_server = RedisServer(tmp_path / "redis").start()
        replica = start_fake_replica(tmp_path, "replica-a")
        stack = start_gateway(
            tmp_path,
            redis_server.url,
            [replica],
            env={
                "SPIKEGLYPH_RATE_LIMIT_CONTROL": OPEN,
                "SPIKEGLYPH_ARTIFACTS_URL": f"s3://{BUCKET}/published",
                "SPIKEGLYPH_CACHE_DIR": str(tmp_path / "gateway-cache"),
            },
        )
        try:
            yield stack
        finally:
            stack.stop()
            redis_server.stop()


def test_an_uploaded_model_becomes_a_version_in_the_bucket(gateway: Gateway) -> None:
    def upload() -> httpx.Response:
        return httpx.post(
            f"{gateway.url}/api/v1/models",
            content=pack(SHIPPED / "mnist-stdp"),
            params={"activate": "true"},
            headers={"X-API-Key": API_KEY, "Content-Type": "application/gzip"},
            timeout=30,
        )

    version = load_manifest(SHIPPED / "mnist-stdp").version
    response = upload()
    assert response.status_code == 201, response.text
    store = S3ArtifactStore(BUCKET, "published")
    assert store.versions() == [version]
    assert store.read_manifest(version).files == load_manifest(SHIPPED / "mnist-stdp").files
    assert not gateway.artifacts_dir.exists()  # nothing on the gateway's own disk
    again = upload()
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "version_conflict"
