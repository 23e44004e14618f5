"""Network structure, encoders and exact operation counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from spikeglyph.train.encoders import latency_encode
from spikeglyph.train.network import SpikingNet, conv_fanout
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec, default_arch


def _net(kind: str = "conv", encoder: str = "direct", t: int = 3) -> SpikingNet:
    arch = (
        ArchSpec(channels=(4, 8), hidden=(16,))
        if kind == "conv"
        else ArchSpec(kind="fc", channels=(), hidden=(16,))
    )
    torch.manual_seed(0)
    return SpikingNet(arch, EncoderSpec(kind=encoder), t)


@pytest.mark.parametrize("kind", ["conv", "fc"])
@pytest.mark.parametrize("encoder", ["direct", "rate", "latency"])
def test_outputs_have_the_documented_shapes(kind: str, encoder: str) -> None:
    net = _net(kind, encoder).eval()
    out = net(torch.rand(5, 1, 28, 28), telemetry=True)
    layers = len(net.spiking_layer_names())
    assert out.logits.shape == (5, 10)
    assert out.membrane is not None and out.membrane.shape == (5, 3, 10)
    assert out.output_spikes is not None and out.output_spikes.shape == (5, 3, 10)
    assert out.layer_spikes is not None and out.layer_spikes.shape == (5, layers)
    assert out.layer_sops is not None and out.layer_sops.shape == (
        5,
        len(net.synaptic_layer_names()),
    )
    assert out.hidden_spikes is not None and out.hidden_spikes.shape == (5, 3, 16)
    assert (out.input_spikes is None) == (encoder == "direct")


def test_rate_encoding_is_deterministic_in_eval_and_random_in_training() -> None:
    net = _net("fc", "rate")
    x = torch.rand(4, 1, 28, 28)
    net.eval()
    a = net(x, telemetry=True).input_spikes
    b = net(x, telemetry=True).input_spikes
    assert a is not None and b is not None and torch.equal(a, b)
    net.train()
    c = net(x, telemetry=True).input_spikes
    assert c is not None and not torch.equal(a, c)
    # spike probability follows intensity
    bright = net.eval()(torch.ones(1, 1, 28, 28), telemetry=True).input_spikes
    assert bright is not None and bright.mean() == 1.0


def test_latency_encoding_fires_once_brighter_first() -> None:
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 0, 0], x[0, 0, 0, 1], x[0, 0, 0, 2] = 1.0, 0.5, 0.01
    spikes = latency_encode(x, 5)
    assert spikes[:, 0, 0, 0, 0].tolist() == [1, 0, 0, 0, 0]
    assert spikes[:, 0, 0, 0, 1].tolist() == [0, 0, 1, 0, 0]
    assert spikes[:, 0, 0, 0, 2].sum() == 0  # below the floor: silent


def test_conv_fanout_counts_border_synapses() -> None:
    fan = conv_fanout(5, 3, out_channels=2)[0, 0]
    assert fan[0, 0] == 4 * 2 and fan[0, 2] == 6 * 2 and fan[2, 2] == 9 * 2


def test_sops_match_a_brute_force_count() -> None:
    net = _net("conv", "direct").eval()
    net.exporting = True
    x = torch.rand(2, 1, 28, 28)
    out = net(x, telemetry=True)
    assert out.layer_sops is not None and out.hidden_spikes is not None
    # readout SOPs = hidden fc spikes × 10 output synapses each
    net.hidden_idx = torch.arange(16)
    full = net(x, telemetry=True).hidden_spikes
    assert full is not None
    assert torch.allclose(out.layer_sops[:, -1], full.sum((1, 2)) * 10)


def test_op_counts() -> None:
    net = _net("conv", "direct")
    ops = net.op_counts()
    # A 3×3 same-padded convolution on an s×s map joins 3·s − 2 (input, output) pairs per
    # axis: its MACs are its synapses, (3·s − 2)² per channel pair, the padding not counted.
    assert ops["first_layer_macs"] == 82 * 82 * 1 * 4
    assert ops["ann_macs"] == 82 * 82 * 1 * 4 + 40 * 40 * 4 * 8 + 8 * 7 * 7 * 16 + 16 * 10
    assert net.neuron_counts() == {"conv1": 4 * 784, "conv2": 8 * 196, "fc1": 16, "output": 10}


def test_pooling_the_current_quarters_the_conv_neurons() -> None:
    """conv → BN → maxpool → LIF: the neurons sit on the pooled maps, the synapses stay."""
    torch.manual_seed(0)
    net = SpikingNet(
        ArchSpec(channels=(4, 8), hidden=(16,), pool="current"), EncoderSpec(), 3
    ).eval()
    assert net.neuron_counts() == {"conv1": 4 * 196, "conv2": 8 * 49, "fc1": 16, "output": 10}
    assert net.op_counts() == _net("conv").op_counts()
    x = torch.rand(2, 1, 28, 28)
    taps: list[torch.Tensor] = []
    out = net(x, telemetry=True, taps=taps)
    assert [tuple(t.shape) for t in taps] == [(3, 2, 4, 14, 14), (3, 2, 8, 7, 7), (3, 2, 16)]
    # conv1's neurons integrate the max over each 2×2 window of the normalised current
    with torch.no_grad():
        current = net.norms[0](net.convs[0]((x - 0.1307) / 0.3081))
        pooled = torch.nn.functional.max_pool2d(current, 2)
    assert torch.equal(taps[0][0], (pooled > 1.0).float())
    # conv2's synaptic operations: conv1's spikes, each reaching its 3×3 × 8 targets
    fanout = conv_fanout(14, 3, 8)[0, 0]
    assert out.layer_sops is not None
    assert torch.allclose(out.layer_sops[:, 0], (taps[0] * fanout).sum((0, 2, 3, 4)))


def test_the_default_conv_architecture_is_the_shipped_models() -> None:
    models = Path(__file__).resolve().parents[3] / "models"
    for name in ("mnist", "fashion-mnist"):
        manifest = json.loads((models / name / "manifest.json").read_text())
        assert ArchSpec.from_dict(manifest["architecture"]) == default_arch("conv")


def test_specs_written_before_pooling_choices_pool_spikes() -> None:
    data = ArchSpec(channels=(3, 5)).to_dict()
    del data["pool"]
    assert ArchSpec.from_dict(data).pool == "spikes"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "rnn"}, "unknown architecture"),
        ({"kind": "conv", "channels": ()}, "at least one conv"),
        ({"kind": "fc", "channels": (), "hidden": ()}, "at least one hidden"),
        ({"channels": (4, 0)}, "positive"),
        ({"pool": "mean"}, "unknown pool"),
    ],
)
def test_bad_specs_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ArchSpec(**kwargs)  # type: ignore[arg-type]


def test_spec_round_trips_through_json() -> None:
    spec = ArchSpec(
        channels=(3, 5),
        hidden=(7,),
        neuron=NeuronSpec(adaptive=True, surrogate="sigmoid"),
        pool="current",
    )
    assert ArchSpec.from_dict(spec.to_dict()) == spec


def test_learnable_decay_is_trained() -> None:
    net = _net("fc", "direct")
    before = net.fc_lifs[0].beta.item()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    loss = net(torch.rand(8, 1, 28, 28)).logits.pow(2).sum()
    loss.backward()
    opt.step()
    assert net.fc_lifs[0].beta.item() != before


@pytest.mark.parametrize("kind", ["conv", "fc"])
@pytest.mark.parametrize("encoder", ["direct", "rate"])
def test_exported_graph_has_static_shapes(kind: str, encoder: str) -> None:
    """No Shape/Gather chains per step: every reshape names its sizes (batch stays dynamic)."""
    import onnx

    from spikeglyph.train.export import export_onnx

    net = _net(kind, encoder).eval()
    graph = onnx.load_from_string(export_onnx(net)).graph
    ops = [node.op_type for node in graph.node]
    assert "Conv" in ops or kind == "fc"
    assert "Shape" not in ops
    # Matrix products are the synaptic layers only: telemetry totals are products and sums.
    assert ops.count("MatMul") + ops.count("Gemm") == len(net.fcs) + 1
    # One reduction over time per telemetry output, not one per layer.
    per_step = len(net.spiking_layer_names()) + len(net.synaptic_layer_names())
    assert ops.count("ReduceSum") <= per_step + 3
    # Every spike is one exact step node (HardSigmoid), not a comparison and a cast.
    assert ops.count("HardSigmoid") == net.timesteps * len(net.spiking_layer_names())
    if encoder == "direct":
        assert "Greater" not in ops and "Cast" not in ops
