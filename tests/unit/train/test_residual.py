"""SEW residual blocks: structure, telemetry, identity when silent, ONNX parity, model dir."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.runtime import ModelRunner
from spikeglyph.train.modelio import load_model, save_model
from spikeglyph.train.network import SpikingNet, conv_fanout
from spikeglyph.train.spec import ArchSpec, EncoderSpec

TINY = ArchSpec(channels=(4, 8), hidden=(16,), pool="current", residual=1)


def _excited(arch: ArchSpec, encoder: str = "direct") -> SpikingNet:
    torch.manual_seed(1)
    net = SpikingNet(arch, EncoderSpec(kind=encoder), 4)
    with torch.no_grad():
        for p in net.parameters():
            if p.dim() > 1:
                p.mul_(3)  # random weights strong enough to spike
    return net.eval()


def test_each_residual_block_adds_two_spiking_layers() -> None:
    net = SpikingNet(TINY, EncoderSpec(), 3)
    assert net.neuron_counts() == {
        "conv1": 4 * 196,
        "conv1_sew1a": 4 * 196,
        "conv1_sew1b": 4 * 196,
        "conv2": 8 * 49,
        "conv2_sew1a": 8 * 49,
        "conv2_sew1b": 8 * 49,
        "fc1": 16,
        "output": 10,
    }
    assert net.synaptic_layer_names() == [
        "conv1_sew1a", "conv1_sew1b", "conv2", "conv2_sew1a", "conv2_sew1b", "fc1", "readout"
    ]  # fmt: skip
    plain = SpikingNet(ArchSpec(channels=(4, 8), hidden=(16,), pool="current"), EncoderSpec(), 3)
    # 3×3 same-padded convolutions on 14×14 and 7×7 maps: (3·s − 2)² synapses per channel pair
    extra = 2 * 40 * 40 * 4 * 4 + 2 * 19 * 19 * 8 * 8
    assert net.op_counts()["ann_macs"] == plain.op_counts()["ann_macs"] + extra


def test_a_silent_branch_is_an_identity() -> None:
    """SEW's point: with the branch silent the block passes its input spikes unchanged."""
    net = SpikingNet(TINY, EncoderSpec(), 3).eval()
    with torch.no_grad():
        for blocks in net.residuals:
            for block in blocks:
                for norm in block.norms:
                    norm.bias.fill_(-100.0)  # no neuron of either branch layer ever fires
    plain = SpikingNet(ArchSpec(channels=(4, 8), hidden=(16,), pool="current"), EncoderSpec(), 3)
    plain.load_state_dict(net.state_dict(), strict=False)
    plain.eval()
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(net(x).logits, plain(x).logits)


def test_telemetry_counts_every_layer_and_the_added_spikes() -> None:
    net = _excited(TINY)
    net.exporting = True
    x = torch.rand(2, 1, 28, 28)
    taps: list[torch.Tensor] = []
    out = net(x, telemetry=True, taps=taps)
    assert out.layer_spikes is not None and out.layer_sops is not None
    assert out.layer_spikes.shape == (2, len(net.neuron_counts()))
    assert out.layer_sops.shape == (2, len(net.synaptic_layer_names()))
    conv1, sew_a, sew_b = taps[0], taps[1], taps[2]
    # conv2 receives conv1's spikes plus its block's (ADD), each reaching 3×3 × 8 targets
    added = conv1 + sew_b
    assert added.max() == 2  # both paths spiked somewhere
    assert torch.allclose(
        out.layer_sops[:, 2], (added * conv_fanout(14, 3, 8)[0, 0]).sum((0, 2, 3, 4))
    )
    assert torch.allclose(
        out.layer_sops[:, 0], (conv1 * conv_fanout(14, 3, 4)[0, 0]).sum((0, 2, 3, 4))
    )
    assert sew_a.shape == (4, 2, 4, 14, 14)


@pytest.mark.parametrize("encoder", ["direct", "rate"])
def test_onnx_matches_torch_spike_for_spike(tmp_path: Path, encoder: str) -> None:
    net = _excited(TINY, encoder)
    images = np.random.default_rng(0).random((32, 1, 28, 28), dtype=np.float32)
    manifest = save_model(
        net, tmp_path / "m", dataset="mnist", version="v1", metrics={}, training={},
        sample_images=images,
    )  # fmt: skip
    report = manifest.metrics["onnx_parity"]
    assert report["prediction_agreement"] == 1.0
    assert report["identical_spike_counts"]
    assert manifest.architecture["residual"] == 1
    reloaded, _ = load_model(tmp_path / "m")
    assert isinstance(reloaded, SpikingNet) and len(reloaded.residuals[0]) == 1
    answer = ModelRunner(tmp_path / "m", device="cpu").run(images[:3])
    assert answer.hidden_spikes.shape == (3, 4, 16)
    assert answer.layer_spikes.shape == (3, 8)


def test_residual_blocks_are_for_conv_networks_only() -> None:
    with pytest.raises(ValueError, match="residual"):
        ArchSpec(kind="fc", channels=(), hidden=(32,), residual=1)
    with pytest.raises(ValueError, match="residual"):
        ArchSpec(residual=9)
    assert ArchSpec.from_dict(TINY.to_dict()) == TINY
    assert ArchSpec.from_dict({k: v for k, v in TINY.to_dict().items() if k != "residual"}) == (
        ArchSpec(channels=(4, 8), hidden=(16,), pool="current")
    )


def test_feed_forward_only_tools_refuse_residual_models() -> None:
    from spikeglyph.errors import InvalidModel
    from spikeglyph.train.fixedpoint.network import build_fixed_point
    from spikeglyph.train.nir_export import check_exportable

    net = SpikingNet(ArchSpec(channels=(4, 8), hidden=(16,), residual=1), EncoderSpec(), 2)
    with pytest.raises(InvalidModel, match="residual"):
        check_exportable(net)
    with pytest.raises(InvalidModel, match="residual"):
        build_fixed_point(net)


def test_the_recipe_override_sets_the_blocks_and_fc_refuses_it() -> None:
    from spikeglyph.errors import InvalidRecipe
    from spikeglyph.recipe import RecipeOverrides, resolve

    recipe = resolve(RecipeOverrides(residual=2))
    assert recipe.arch.residual == 2 and recipe.to_dict()["arch"]["residual"] == 2
    assert "residual" not in resolve(RecipeOverrides()).to_dict()["arch"]
    with pytest.raises(InvalidRecipe, match="residual"):
        resolve(RecipeOverrides(arch="fc", residual=1))
