"""Publishing a model directory into a running system: ``POST /api/v1/models``.

A directory trained elsewhere arrives as an archive; it is verified before it becomes a version,
and a malformed or tampered archive leaves nothing behind.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spikeglyph.modelarchive import pack
from spikeglyph.modeldir import load_manifest
from tests.integration.gateway.stack import (
    API_KEY,
    OPEN,
    Gateway,
    start_fake_replica,
    start_gateway,
)
from tests.support.procs import RedisServer

pytestmark = pytest.mark.integration

SHIPPED = Path(__file__).resolve().parents[3] / "models"
KEY = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    directory = tmp_path_factory.mktemp("publish-stack")
    redis_server = RedisServer(directory / "redis").start()
    replica = start_fake_replica(directory, "replica-a")
    stack = start_gateway(
        directory,
        redis_server.url,
        [replica],
        env={
            "SPIKEGLYPH_RATE_LIMIT_CONTROL": OPEN,
            "SPIKEGLYPH_MAX_MODEL_UPLOAD_BYTES": str(8 * 1024 * 1024),
        },
    )
    try:
        yield stack
    finally:
        stack.stop()
        redis_server.stop()


def upload(stack: Gateway, archive: bytes, **params: str) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/api/v1/models",
        content=archive,
        params=params,
        headers={**KEY, "Content-Type": "application/gzip"},
        timeout=30,
    )


def on_disk(stack: Gateway) -> list[str]:
    return (
        sorted(p.name for p in stack.artifacts_dir.iterdir())
        if stack.artifacts_dir.exists()
        else []
    )


def test_a_shipped_model_is_published_listed_and_activated(gateway: Gateway) -> None:
    version = load_manifest(SHIPPED / "mnist-stdp").version
    response = upload(gateway, pack(SHIPPED / "mnist-stdp"), activate="true")
    assert response.status_code == 201, response.text
    assert response.json()["version"] == version and response.json()["active"] is True
    listed = httpx.get(f"{gateway.url}/api/v1/models").json()
    assert [m["version"] for m in listed if m["active"]] == [version]
    assert (
        load_manifest(gateway.artifacts_dir / version).files
        == load_manifest(SHIPPED / "mnist-stdp").files
    )

    again = upload(gateway, pack(SHIPPED / "mnist-stdp"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "version_conflict"


def test_multipart_uploads_work_too(gateway: Gateway) -> None:
    response = httpx.post(
        f"{gateway.url}/api/v1/models",
        files={"file": ("model.tar.gz", pack(SHIPPED / "fashion-mnist"), "application/gzip")},
        headers=KEY,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["dataset"] == "fashion-mnist" and response.json()["active"] is False


def tampered_archive() -> bytes:
    source = io.BytesIO(pack(SHIPPED / "mnist"))
    target = io.BytesIO()
    with (
        tarfile.open(fileobj=source, mode="r:gz") as tar_in,
        tarfile.open(fileobj=target, mode="w:gz") as tar_out,
    ):
        for member in tar_in:
            content = tar_in.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "model.onnx":
                content = content[:-1] + bytes([content[-1] ^ 0xFF])
            tar_out.addfile(member, io.BytesIO(content))
    return target.getvalue()


@pytest.mark.parametrize(
    ("archive", "code"),
    [
        (tampered_archive, "checksum_mismatch"),
        (lambda: b"not an archive at all", "invalid_model_archive"),
        (lambda: pack(SHIPPED / "mnist")[:-200], "invalid_model_archive"),
    ],
    ids=["tampered", "garbage", "truncated"],
)
def test_a_bad_archive_is_refused_and_leaves_nothing(
    gateway: Gateway, archive: object, code: str
) -> None:
    before = on_disk(gateway)
    response = upload(gateway, archive())  # type: ignore[operator]
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    version = load_manifest(SHIPPED / "mnist").version
    assert version not in [m["version"] for m in httpx.get(f"{gateway.url}/api/v1/models").json()]
    assert on_disk(gateway) == before


def test_publishing_needs_a_key(gateway: Gateway) -> None:
    response = httpx.post(
        f"{gateway.url}/api/v1/models",
        content=pack(SHIPPED / "mnist"),
        headers={"Content-Type": "application/gzip"},
    )
    assert response.status_code == 401


def test_an_archive_over_the_upload_limit_is_refused_while_it_streams(gateway: Gateway) -> None:
    response = upload(gateway, b"\0" * (9 * 1024 * 1024))
    assert response.status_code == 413


def spikeglyph(*args: str, api_key: str | None = API_KEY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPIKEGLYPH_API_KEY": api_key or ""}
    return subprocess.run(
        [str(Path(sys.executable).with_name("spikeglyph")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_cli_publishes_and_activates_a_model_directory(gateway: Gateway) -> None:
    version = load_manifest(SHIPPED / "mnist").version
    done = spikeglyph("publish", str(SHIPPED / "mnist"), "--url", gateway.url, "--activate")
    assert done.returncode == 0, done.stderr
    assert f"published and activated {version}" in done.stderr
    active = httpx.get(f"{gateway.url}/api/v1/models/active").json()
    assert active["version"] == version


def test_the_cli_refuses_a_damaged_directory_before_uploading(
    gateway: Gateway, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(SHIPPED / "mnist", damaged)
    (damaged / "weights.safetensors").write_bytes(b"not the trained weights")
    done = spikeglyph("publish", str(damaged), "--url", gateway.url)
    assert done.returncode != 0
    assert "weights.safetensors does not match its manifest" in " ".join(done.stderr.split())


def test_the_cli_reports_a_wrong_key(gateway: Gateway) -> None:
    done = spikeglyph(
        "publish",
        str(SHIPPED / "fashion-mnist"),
        "--url",
        gateway.url,
        api_key="wrong-key-0123456789",
    )
    assert done.returncode != 0
    message = " ".join(done.stderr.split())
    assert "403" in message and "invalid_api_key" in message
