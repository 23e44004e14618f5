"""Model directories from training: export parity, round trip, tampering, int8, re-export."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.errors import ChecksumMismatch
from spikeglyph.modeldir import load_manifest
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.export import parity
from spikeglyph.train.modelio import load_model, save_model
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec


def _excited(arch: ArchSpec, encoder: str = "direct") -> SpikingNet:
    torch.manual_seed(1)
    net = SpikingNet(arch, EncoderSpec(kind=encoder), 4)
    with torch.no_grad():
        for p in net.parameters():
            if p.dim() > 1:
                p.mul_(3)  # random weights strong enough to spike
    return net.eval()


@pytest.mark.parametrize(
    ("arch", "encoder"),
    [
        (ArchSpec(channels=(4, 8)), "direct"),
        (ArchSpec(kind="fc", channels=(), hidden=(32,)), "rate"),
        (ArchSpec(channels=(4,), hidden=(16,)), "latency"),
        # Other neurons: the exported step for another threshold, reset to zero, and the
        # adaptive threshold (a tensor, so a plain comparison in the graph).
        (ArchSpec(channels=(4,), hidden=(16,), neuron=NeuronSpec(threshold=0.3)), "direct"),
        (ArchSpec(channels=(4,), hidden=(16,), neuron=NeuronSpec(reset="zero")), "direct"),
        (ArchSpec(channels=(4,), hidden=(16,), neuron=NeuronSpec(adaptive=True)), "rate"),
        # Blocks that max-pool the input current before their neurons.
        (ArchSpec(channels=(4, 8), hidden=(16,), pool="current"), "direct"),
        (ArchSpec(channels=(4, 8), pool="current"), "rate"),
    ],
)
def test_onnx_matches_torch_spike_for_spike(tmp_path: Path, arch: ArchSpec, encoder: str) -> None:
    net = _excited(arch, encoder)
    images = np.random.default_rng(0).random((48, 1, 28, 28), dtype=np.float32)
    manifest = save_model(
        net,
        tmp_path / "m",
        dataset="mnist",
        version="v1",
        metrics={},
        training={},
        sample_images=images,
    )
    report = manifest.metrics["onnx_parity"]
    assert report["prediction_agreement"] == 1.0
    assert report["identical_spike_counts"]
    assert manifest.spikes_per_inference and manifest.spikes_per_inference > 0
    # and again on fresh inputs, through the public runner
    again = parity(
        load_model(tmp_path / "m")[0], tmp_path / "m" / "model.onnx", images[::-1].copy()
    )
    assert again["prediction_agreement"] == 1.0 and again["identical_spike_counts"]


def test_runner_answers_with_telemetry_and_energy(tiny_model_dir: Path) -> None:
    runner = ModelRunner(tiny_model_dir, device="cpu")
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0  # a "1"
    out = runner.run(image[None])
    from spikeglyph.schemas import LatencyMs

    pred = runner.prediction(out, 0, LatencyMs(total=1.0), image=image)
    assert len(pred.probabilities) == 10 and abs(sum(pred.probabilities) - 1) < 1e-4
    assert pred.spikes is not None and len(pred.spikes.output_membrane) == runner.manifest.timesteps
    assert pred.energy.snn_nj > 0 and pred.energy.ann_nj > 0
    assert pred.input is not None and len(pred.input) == 28


def test_tampered_weights_are_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(tiny_model_dir, tmp_path / "copy"))
    data = bytearray((copy / "weights.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (copy / "weights.safetensors").write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch):
        load_model(copy)
    with pytest.raises(ChecksumMismatch):
        ModelRunner(copy)


def test_int8_copy_records_its_accuracy_delta(
    tiny_model_dir: Path, tmp_path: Path, data_dir: Path
) -> None:
    from spikeglyph.train.quantize import add_int8_variant

    copy = Path(shutil.copytree(tiny_model_dir, tmp_path / "copy"))
    manifest = add_int8_variant(copy, data_dir=data_dir)
    variant = manifest.variants["int8"]
    assert "model.int8.onnx" in load_manifest(copy).files
    assert abs(variant["accuracy_delta_points"]) < 5.0
    assert variant["val_accuracy"] > 0.5
    runner = ModelRunner(copy, variant="int8")
    assert runner.run(np.zeros((2, 28, 28), np.float32)).logits.shape == (2, 10)
