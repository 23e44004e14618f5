"""Fixed-point emulation: integer arithmetic, exact ONNX parity, bounded accuracy loss."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.runtime import ModelRunner
from spikeglyph.train.fixedpoint import (
    FixedLIF,
    build_fixed_point,
    export_fixed_onnx,
    fixed_lif_sequence,
    fixed_parity,
    make_fixed_point,
)
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec


def test_integer_lif_rounds_after_every_update_golden_trace() -> None:
    # β = 128/256 = 0.5, ϑ = 10, constant input 7; round half to even as ONNX Round does
    # U: 7 → round(3.5)+7 = 11 (spike) → round(5.5)+7−10 = 3 → round(1.5)+7 = 9
    #    → round(4.5)+7 = 11 (spike) → round(5.5)+7−10 = 3
    spikes, membrane = fixed_lif_sequence(torch.tensor([7.0]), FixedLIF(128, 10, "subtract"), 5)
    assert membrane.flatten().tolist() == [7.0, 11.0, 3.0, 9.0, 11.0]
    assert spikes.flatten().tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]


def test_adaptive_threshold_counts_in_integers_too() -> None:
    params = FixedLIF(256, 10, "subtract", rho_q=128, gamma_q=8)
    spikes, _ = fixed_lif_sequence(torch.tensor([11.0]), params, 6)
    # fires at t0; threshold then 10 + 8 → no spike until the adaptation has decayed
    assert spikes.flatten().tolist()[:2] == [1.0, 0.0]


def conv_net(encoder: str, pool: str = "spikes") -> SpikingNet:
    torch.manual_seed(0)
    arch = ArchSpec(
        kind="conv",
        channels=(4, 6),
        hidden=(16,),
        neuron=NeuronSpec(adaptive=True, tau_init=3.0),
        hidden_sample=8,
        pool=pool,  # type: ignore[arg-type]
    )
    net = SpikingNet(arch, EncoderSpec(kind=encoder), timesteps=4)  # type: ignore[arg-type]
    for norm in net.norms:
        norm.running_mean.uniform_(-0.2, 0.2)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.data.uniform_(0.5, 1.5)
    return net.eval()


@pytest.mark.parametrize(
    ("encoder", "pool"), [("direct", "spikes"), ("rate", "spikes"), ("direct", "current")]
)
def test_weights_are_8_bit_and_membranes_integer_and_onnx_agrees_exactly(
    encoder: str, pool: str, tmp_path: Path
) -> None:
    fixed = build_fixed_point(conv_net(encoder, pool))
    for name, tensor in fixed.state_dict().items():
        if name.startswith("w_"):
            assert tensor.dtype == torch.int8 and tensor.abs().max() <= 127
    images = torch.rand(6, 1, 28, 28)
    outputs = fixed(images)
    acc = fixed.scales[-1].accumulator_scale
    membrane_units = outputs[2].double() / acc
    assert torch.allclose(membrane_units, membrane_units.round(), atol=1e-3)
    onnx_path = tmp_path / "fixed.onnx"
    onnx_path.write_bytes(export_fixed_onnx(fixed))
    report = fixed_parity(fixed, onnx_path, images.numpy())
    assert report["identical_spike_counts"] and report["prediction_agreement"] == 1.0


def test_fixed_point_copy_is_servable_and_loses_little_accuracy(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    manifest = make_fixed_point(tiny_model_dir, tmp_path / "fx", data_dir=data_dir)
    parent = json.loads((tiny_model_dir / "manifest.json").read_text())
    assert manifest.parent == parent["version"] and manifest.family == "fixedpoint"
    delta = manifest.metrics["accuracy_delta"]
    assert manifest.variants["fixed_point"]["accuracy_delta"] == delta
    assert manifest.metrics["parent_val_accuracy"] > 0.5
    assert delta >= -0.01  # at most 1 point lost on the 500 validation digits
    runner = ModelRunner(tmp_path / "fx", device="cpu")
    out = runner.run(np.zeros((2, 28, 28), dtype=np.float32))
    assert out.logits.shape == (2, 10)


def test_folded_first_layer_matches_conv_and_batch_norm_even_at_the_border() -> None:
    from torch.nn import functional as F

    from spikeglyph.train.network import MNIST_MEAN, MNIST_STD

    net = conv_net("direct")
    fixed = build_fixed_point(net)
    images = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        expected = net.norms[0](net.convs[0]((images - MNIST_MEAN) / MNIST_STD))
        x_q = torch.round(images * fixed.input_levels)
        padded = F.pad(x_q, (1, 1, 1, 1), value=float(fixed.pad_value))
        current = F.conv2d(padded, fixed.w_conv1.float(), fixed.b_conv1.float())
    got = current * fixed.scales[0].accumulator_scale
    assert torch.equal(current, current.round())  # integer currents
    error = (got - expected).abs().max() / expected.abs().max()
    assert error < 0.03  # 8-bit weights and inputs: a few per cent at most
