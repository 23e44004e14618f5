"""The what-if graph against the torch model: at the model's own settings it answers spike for
spike like the network it was exported from; a threshold scale is a network with that
threshold; T steps of the unrolled graph are a T-step network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from spikeglyph.encoding import MNIST_MEAN, MNIST_STD, drive
from spikeglyph.train.encoders import latency_encode
from spikeglyph.train.export import torch_outputs
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec
from spikeglyph.train.whatif_export import export_whatif, own_drive, whatif_parity
from spikeglyph.whatif import MAX_TIMESTEPS
from spikeglyph.whatif_runtime import OUTPUTS


def _excited(arch: ArchSpec, encoder: str = "direct", timesteps: int = 4) -> SpikingNet:
    torch.manual_seed(1)
    net = SpikingNet(arch, EncoderSpec(kind=encoder), timesteps)  # type: ignore[arg-type]
    with torch.no_grad():
        for p in net.parameters():
            if p.dim() > 1:
                p.mul_(3)  # random weights strong enough to spike
    return net.eval()


def _images(n: int = 24) -> np.ndarray:
    return np.random.default_rng(0).random((n, 1, 28, 28), dtype=np.float32)


def _session(net: SpikingNet, tmp_path: Path) -> ort.InferenceSession:
    path = tmp_path / "whatif.onnx"
    path.write_bytes(export_whatif(net))
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _run(session: ort.InferenceSession, drives: np.ndarray, scale: float) -> dict[str, np.ndarray]:
    feeds = {"drive": drives, "threshold_scale": np.full(len(drives), scale, np.float32)}
    return dict(zip(OUTPUTS, session.run(list(OUTPUTS), feeds), strict=True))


@pytest.mark.parametrize(
    ("arch", "encoder"),
    [
        (ArchSpec(channels=(4, 8), pool="current"), "direct"),
        (ArchSpec(kind="fc", channels=(), hidden=(32,)), "rate"),
        (ArchSpec(channels=(4,), hidden=(16,)), "latency"),
        (ArchSpec(channels=(4,), hidden=(16,), neuron=NeuronSpec(adaptive=True)), "rate"),
        (ArchSpec(channels=(4,), hidden=(16,), neuron=NeuronSpec(reset="zero")), "direct"),
    ],
)
def test_at_the_models_own_settings_it_matches_torch(
    tmp_path: Path, arch: ArchSpec, encoder: str
) -> None:
    net = _excited(arch, encoder)
    path = tmp_path / "whatif.onnx"
    path.write_bytes(export_whatif(net))
    report = whatif_parity(net, path, _images())
    assert report["prediction_agreement"] == 1.0
    assert report["identical_spike_counts"], report
    assert report["max_logit_diff"] < 1e-4


def test_a_threshold_scale_is_a_network_with_that_threshold(tmp_path: Path) -> None:
    arch = ArchSpec(channels=(4,), hidden=(16,))
    session = _session(_excited(arch), tmp_path)
    lower = _excited(ArchSpec(channels=(4,), hidden=(16,), neuron=NeuronSpec(threshold=0.5)))
    images = _images()
    got = _run(session, own_drive(lower, images), 0.5)
    expected = torch_outputs(lower, images)
    np.testing.assert_array_equal(got["layer_spikes"][:, :4].sum(1), expected["layer_spikes"])
    np.testing.assert_array_equal(got["output_spikes"][:, :4], expected["output_spikes"])
    plain = _run(session, own_drive(lower, images), 1.0)
    assert got["layer_spikes"][:, :4].sum() > plain["layer_spikes"][:, :4].sum()


def test_the_first_t_steps_are_a_t_step_network(tmp_path: Path) -> None:
    arch = ArchSpec(channels=(4, 8), hidden=(16,), pool="current")
    session = _session(_excited(arch), tmp_path)
    short = _excited(arch, timesteps=2)
    images = _images()
    got = _run(session, own_drive(short, images), 1.0)
    expected = torch_outputs(short, images)
    np.testing.assert_array_equal(got["layer_spikes"][:, :2].sum(1), expected["layer_spikes"])
    np.testing.assert_allclose(got["current"][:, :2].mean(1), expected["logits"], atol=1e-5)
    np.testing.assert_allclose(got["membrane"][:, :2], expected["membrane"], atol=1e-5)


def test_numpy_encoders_build_the_torch_encoders_input() -> None:
    images = _images(6)
    for steps in (1, 4, 9):
        expected = latency_encode(torch.from_numpy(images), steps).numpy()  # [T, B, 1, 28, 28]
        for i, image in enumerate(images):
            got = drive(image, "latency", steps=steps, length=MAX_TIMESTEPS)
            np.testing.assert_array_equal(got[:steps], expected[:, i])
            assert not got[steps:].any()
    direct = drive(images[0], "direct", steps=3, length=MAX_TIMESTEPS)
    normalised = (torch.from_numpy(images[0]) - MNIST_MEAN) / MNIST_STD
    np.testing.assert_array_equal(direct[:3], np.broadcast_to(normalised.numpy(), (3, 1, 28, 28)))


def test_the_rate_encoder_is_seeded_and_fires_with_intensity() -> None:
    image = np.zeros((28, 28), np.float32)
    image[:, 14:] = 0.8
    a = drive(image, "rate", steps=16, length=MAX_TIMESTEPS, seed=3)
    b = drive(image, "rate", steps=16, length=MAX_TIMESTEPS, seed=3)
    c = drive(image, "rate", steps=16, length=MAX_TIMESTEPS, seed=4)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert not a[..., :14].any()
    assert 0.7 < a[..., 14:].mean() < 0.9
