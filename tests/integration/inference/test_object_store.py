"""Two inference replicas that share nothing with the publisher but Redis and an S3-compatible
object store (moto's server), each with its own cache: activation, rollback, a damaged object
and a lost store, seen from the replicas' answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores import ModelRegistry, connect
from spikeglyph.stores.s3_artifacts import S3ArtifactStore
from spikeglyph.stores.version_cache import VersionCache
from tests.support.procs import RedisServer, ServiceProcess, wait_until
from tests.support.s3 import s3_server

pytestmark = pytest.mark.integration
Start = Callable[..., tuple[ServiceProcess, str]]
BUCKET = "models"
PREFIX = "spikeglyph"


@pytest.fixture()
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadedMotoServer]:
    with s3_server(monkeypatch, BUCKET) as server:
        yield server


@pytest.fixture()
def publisher(
    s3: ThreadedMotoServer, redis_server: RedisServer, tmp_path: Path
) -> Iterator[ModelRegistry]:
    """The trainer's or gateway's side: publishes into the bucket through its own cache."""
    client = connect(redis_server.url)
    store = S3ArtifactStore(BUCKET, PREFIX)
    yield ModelRegistry(client, store, cache=VersionCache(store, tmp_path / "publisher-cache"))
    client.close()


def _served(url: str) -> str:
    return str(httpx.get(f"{url}/v1/model", timeout=5).json()["version"])


def _replicas(start_inference: Start, tmp_path: Path) -> list[str]:
    urls = []
    for name in ("a", "b"):
        _, url = start_inference(
            artifacts_url=f"s3://{BUCKET}/{PREFIX}",
            artifacts_dir=str(tmp_path / f"unused-{name}"),  # nothing shared on disk
            cache_dir=str(tmp_path / f"cache-{name}"),
        )
        urls.append(url)
    return urls


def _all_serve(urls: list[str], version: str) -> None:
    wait_until(lambda: all(_served(u) == version for u in urls), 30, f"replicas on {version}")


def _point_at(registry: ModelRegistry, version: str, previous: str) -> None:
    """Move the pointer without the publisher's own check, as if the object changed after."""
    registry.redis.set(registry.keys.active, version)
    event = RegistryEvent(type="activated", version=version, previous=previous)
    registry.redis.publish(registry.channel, event.model_dump_json())


def _refusals(url: str, reason: str) -> bool:
    return f'model_refusals_total{{reason="{reason}"}} 1.0' in httpx.get(f"{url}/metrics").text


def test_replicas_follow_activation_and_rollback_through_the_object_store(
    start_inference: Start,
    publisher: ModelRegistry,
    versions: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    publisher.publish(versions("v1"), activate=True)
    urls = _replicas(start_inference, tmp_path)
    _all_serve(urls, "v1")
    publisher.publish(versions("v2"), activate=True)
    _all_serve(urls, "v2")
    publisher.rollback()
    _all_serve(urls, "v1")
    for name in ("a", "b"):  # each replica downloaded into its own cache
        assert sorted(p.name for p in (tmp_path / f"cache-{name}").iterdir()) == ["v1", "v2"]


def test_a_damaged_object_is_refused_and_the_previous_version_keeps_serving(
    start_inference: Start,
    publisher: ModelRegistry,
    versions: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    publisher.publish(versions("v1"), activate=True)
    publisher.publish(versions("evil"))
    boto3.client("s3").put_object(
        Bucket=BUCKET, Key=f"{PREFIX}/evil/model.onnx", Body=b"not the published graph"
    )
    urls = _replicas(start_inference, tmp_path)
    _all_serve(urls, "v1")
    _point_at(publisher, "evil", "v1")
    wait_until(lambda: all(_refusals(u, "checksum_mismatch") for u in urls), 30, "refusals")
    assert [_served(u) for u in urls] == ["v1", "v1"]
    assert not (tmp_path / "cache-a" / "evil").exists()


def test_a_lost_object_store_keeps_the_previous_version_and_the_next_event_retries(
    start_inference: Start,
    publisher: ModelRegistry,
    versions: Callable[[str], Path],
    s3: ThreadedMotoServer,
    tmp_path: Path,
) -> None:
    publisher.publish(versions("v1"), activate=True)
    publisher.publish(versions("v2"))
    urls = _replicas(start_inference, tmp_path)
    _all_serve(urls, "v1")
    s3.stop()
    _point_at(publisher, "v2", "v1")
    logs = [tmp_path / f"inference-{u.rsplit(':', 1)[1]}.log" for u in urls]
    wait_until(
        lambda: all("could not fetch version v2" in log.read_text() for log in logs),
        60,
        "the failed downloads",
    )
    assert [_served(u) for u in urls] == ["v1", "v1"]
    s3.start()  # the same port and (in-memory) bucket
    _point_at(publisher, "v2", "v1")
    _all_serve(urls, "v2")
