"""Device selection: CUDA when asked and present; a clear start-up error when it is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import onnxruntime as ort
import pytest

from tests.support.procs import ServiceProcess, free_port

from .conftest import BIN

pytestmark = pytest.mark.integration
Start = Callable[..., tuple[ServiceProcess, str]]
HAS_CUDA = "CUDAExecutionProvider" in ort.get_available_providers()


@pytest.mark.skipif(HAS_CUDA, reason="this machine has CUDA: the error path cannot happen")
def test_cuda_without_a_gpu_fails_start_up_with_a_clear_message(tmp_path: Path) -> None:
    port = str(free_port())
    proc = ServiceProcess(
        [str(BIN), "--host", "127.0.0.1", "--port", port],
        {"SPIKEGLYPH_DEVICE": "cuda", "SPIKEGLYPH_MODELS_DIR": str(tmp_path)},
        tmp_path / "inference.log",
    ).start()
    assert proc.process is not None
    assert proc.process.wait(60) == 2
    log = proc.log()
    assert "SPIKEGLYPH_DEVICE=cuda" in log and "CUDA execution provider" in log


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_CUDA, reason="needs onnxruntime-gpu and a CUDA device")
def test_cuda_provider_serves_when_asked(start_inference: Start) -> None:
    _, url = start_inference(device="cuda")
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/v1/model").json()["device"] == "cuda"
        metrics = client.get("/metrics").text
    assert 'device="cuda"' in metrics
