"""The fixed-point network: 8-bit weights, saturating registers, bit-exact ONNX export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from torch.nn import functional as F

from spikeglyph.errors import InvalidModel
from spikeglyph.train.fixedpoint import (
    UNBOUNDED,
    BitWidths,
    FixedPointNet,
    SaturationTally,
    build_fixed_point,
    export_fixed_onnx,
    fixed_parity,
    parity_ok,
)
from spikeglyph.train.network import MNIST_MEAN, MNIST_STD
from tests.unit.fixedpoint.conftest import conv_net


def peaks(fixed: FixedPointNet, images: torch.Tensor) -> dict[str, dict[str, int]]:
    tally = SaturationTally()
    with torch.no_grad():
        fixed.run(images, tally)
    return tally.summary()["layers"]  # type: ignore[no-any-return]


def onnx_parity(fixed: FixedPointNet, images: torch.Tensor, tmp_path: Path) -> dict[str, object]:
    onnx_path = tmp_path / "fixed.onnx"
    onnx_path.write_bytes(export_fixed_onnx(fixed))
    return fixed_parity(fixed, onnx_path, images.numpy())


@pytest.mark.parametrize(
    ("encoder", "pool"), [("direct", "spikes"), ("rate", "spikes"), ("direct", "current")]
)
def test_weights_are_8_bit_and_membranes_integer_and_onnx_agrees_exactly(
    encoder: str, pool: str, tmp_path: Path
) -> None:
    fixed = build_fixed_point(conv_net(encoder, pool))
    assert fixed.widths == BitWidths()  # the documented defaults
    for name, tensor in fixed.state_dict().items():
        if name.startswith("w_"):
            assert tensor.dtype == torch.int8 and tensor.abs().max() <= 127
    images = torch.rand(6, 1, 28, 28)
    with torch.no_grad():
        outputs = fixed(images)
    membrane_units = outputs[2].double() / fixed.scales[-1].membrane_scale
    assert torch.allclose(membrane_units, membrane_units.round(), atol=1e-3)
    assert parity_ok(onnx_parity(fixed, images, tmp_path))


@pytest.mark.parametrize(("encoder", "pool"), [("direct", "current"), ("rate", "spikes")])
def test_onnx_matches_torch_bit_for_bit_while_registers_saturate(
    encoder: str, pool: str, tmp_path: Path
) -> None:
    net = conv_net(encoder, pool, drive=8.0)  # membranes run to many thresholds
    images = torch.rand(8, 1, 28, 28)
    membrane = 10  # holds ±4…8 thresholds; currents count in the units it sets
    shifted = build_fixed_point(net, BitWidths(None, membrane))
    accumulator = max(row["current_bits_to_hold"] for row in peaks(shifted, images).values()) - 2
    fixed = build_fixed_point(net, BitWidths(accumulator, membrane))
    free = build_fixed_point(net, UNBOUNDED)
    tally = SaturationTally()
    with torch.no_grad():
        fixed.run(images, tally)
    summary = tally.summary()
    assert summary["current_fraction"] > 0 and summary["membrane_fraction"] > 0
    with torch.no_grad():
        clamped, unbounded = fixed(images), free(images)
    assert not torch.equal(clamped[4], unbounded[4])  # saturation changed the spike counts
    report = onnx_parity(fixed, images, tmp_path)
    assert report["identical_spike_counts"] and report["identical_membranes"]
    assert report["prediction_agreement"] == 1.0 and report["max_logit_diff"] == 0.0
    graph = onnx.load(tmp_path / "fixed.onnx").graph
    assert sum(node.op_type == "Clip" for node in graph.node) >= 4  # every layer saturates


def test_a_register_as_wide_as_its_peak_never_clamps_and_one_bit_less_does() -> None:
    net = conv_net("direct", "current", adaptive=False)
    images = torch.rand(4, 1, 28, 28)
    free = build_fixed_point(net, UNBOUNDED)
    needed = max(row["current_bits_to_hold"] for row in peaks(free, images).values())
    exact = build_fixed_point(net, BitWidths(needed, None))
    with torch.no_grad():
        reference, same = free(images), exact(images)
    for a, b in zip(reference, same, strict=True):
        assert torch.equal(a, b)  # nothing clamped: identical to the unbounded copy
    narrower = build_fixed_point(net, BitWidths(needed - 1, None))
    tally = SaturationTally()
    with torch.no_grad():
        narrower.run(images, tally)
    assert tally.summary()["current_fraction"] > 0


def test_narrow_membranes_shift_currents_so_thresholds_keep_headroom() -> None:
    net = conv_net("direct", adaptive=False)
    free = build_fixed_point(net, UNBOUNDED)
    assert all(scale.shift == 0 for scale in free.scales)  # the reference is never shifted
    conv1_threshold = free.lifs[0].threshold_q  # in 1/255-pixel units: the largest one
    bits = conv1_threshold.bit_length() + 1  # fits without headroom: one shift gives it
    fixed = build_fixed_point(net, BitWidths(None, bits))
    shift = fixed.scales[0].shift
    assert shift >= 1 and fixed.lifs[0].threshold_q <= 2 ** (bits - 3)
    assert fixed.lifs[0].threshold_q == round(conv1_threshold / 2**shift)
    assert fixed.scales[0].membrane_scale == fixed.scales[0].accumulator_scale * 2**shift
    with pytest.raises(InvalidModel, match="use wider membranes"):
        build_fixed_point(net, BitWidths(None, 2))  # ±1: no threshold can be exceeded


def test_folded_first_layer_matches_conv_and_batch_norm_even_at_the_border() -> None:
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


def test_manifest_description_names_every_width() -> None:
    fixed = build_fixed_point(conv_net("direct"), BitWidths(20, 17))
    described = fixed.describe()
    assert described["bit_widths"] == {
        "weight": 8,
        "input": fixed.input_bits,
        "accumulator": 20,
        "membrane": 17,
        "decay_fraction": 8,
    }
    assert [layer["name"] for layer in described["layers"]] == ["conv1", "conv2", "fc1", "readout"]
    assert np.all([layer["threshold_q"] > 0 for layer in described["layers"]])
