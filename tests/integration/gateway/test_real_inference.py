"""The gateway in front of a real inference replica serving a real (tiny) trained SNN.

Two things only a real replica can show: real MNIST digits come back recognised with spike
telemetry and the gateway's latency share, and activating a version through the gateway
switches the replica (the registry broadcast reaches it) without a failed request.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spikeglyph.client import SpikeGlyphClient
from spikeglyph.data.idx import read_idx
from spikeglyph.modeldir import load_manifest, write_model_dir
from spikeglyph.stores import ModelRegistry, connect
from tests.integration.gateway.stack import API_KEY, Replica, start_gateway
from tests.support.procs import RedisServer, ServiceProcess, free_port, wait_http_ok

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INFERENCE = Path(sys.executable).parent / "spikeglyph-inference"


def copy_as(source: Path, target: Path, version: str) -> Path:
    manifest = load_manifest(source).model_copy(update={"version": version})
    write_model_dir(target, manifest, {name: source / name for name in manifest.files})
    return target


def start_inference(tmp_path: Path, redis_url: str, artifacts: Path) -> Replica:
    port = free_port()
    process = ServiceProcess(
        [str(INFERENCE), "--host", "127.0.0.1", "--port", str(port)],
        {
            "SPIKEGLYPH_REDIS_URL": redis_url,
            "SPIKEGLYPH_ARTIFACTS_DIR": str(artifacts),
            "SPIKEGLYPH_MODELS_DIR": str(tmp_path / "shipped"),
            "SPIKEGLYPH_DEVICE": "cpu",
            "SPIKEGLYPH_INTRA_OP_THREADS": "1",
        },
        tmp_path / "inference.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(f"{url}/readyz", timeout=90)
    except TimeoutError:
        process.stop()
        raise AssertionError(f"inference did not become ready:\n{process.log()}") from None
    return Replica(process, url)


def mnist_pngs(data_dir: Path, count: int) -> tuple[list[bytes], list[int]]:
    images = read_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")[:count]
    labels = read_idx(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz")[:count]
    pngs = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs, [int(label) for label in labels]


def test_real_replica_behind_the_gateway(
    tmp_path: Path, redis_server: RedisServer, tiny_model_dir: Path, data_dir: Path
) -> None:
    artifacts = tmp_path / "gateway" / "artifacts"  # the gateway's artifacts dir (stack.py)
    registry = ModelRegistry(connect(redis_server.url), artifacts)
    registry.publish(copy_as(tiny_model_dir, tmp_path / "src" / "real-v1", "real-v1"))
    registry.publish(copy_as(tiny_model_dir, tmp_path / "src" / "real-v2", "real-v2"))
    registry.activate("real-v1")
    copy_as(tiny_model_dir, tmp_path / "shipped" / "mnist", "shipped-default")
    replica = start_inference(tmp_path, redis_server.url, artifacts)
    gateway = start_gateway(tmp_path / "gateway", redis_server.url, [replica])
    pngs, labels = mnist_pngs(data_dir, 20)
    try:
        with SpikeGlyphClient(gateway.url, api_key=API_KEY) as sg:
            predictions = sg.predict_batch(pngs)
            correct = sum(p.digit == label for p, label in zip(predictions, labels, strict=True))
            assert correct >= 12, f"only {correct}/20 right"
            one = sg.predict(pngs[0])
            assert one.model_version == "real-v1"
            assert one.spikes is not None and one.spikes.timesteps == 4
            assert one.latency_ms.gateway is not None and one.energy.sops > 0

            assert sg.activate("real-v2").version == "real-v2"
            deadline = time.monotonic() + 15
            seen = one.model_version
            while seen != "real-v2" and time.monotonic() < deadline:
                seen = sg.predict(pngs[1], compact=True).model_version  # never fails meanwhile
            assert seen == "real-v2"
            assert sg.active_model().version == "real-v2"
    finally:
        gateway.stop()
