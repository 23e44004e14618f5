"""LIF dynamics: golden traces against snntorch, reset variants, adaptive thresholds."""

from __future__ import annotations

import numpy as np
import pytest
import snntorch as snn
import torch

from spikeglyph.train.neurons import LIFParams, if_readout, lif_sequence
from spikeglyph.train.surrogate import heaviside, spike_fn, threshold_step


def _snntorch_trace(
    current: torch.Tensor, beta: float, reset: str
) -> tuple[torch.Tensor, torch.Tensor]:
    neuron = snn.Leaky(beta=beta, threshold=1.0, reset_mechanism=reset)
    mem = neuron.init_leaky()
    spikes, mems = [], []
    for t in range(current.shape[0]):
        spk, mem = neuron(current[t], mem)
        spikes.append(spk)
        mems.append(mem)
    return torch.stack(spikes), torch.stack(mems)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_trace_matches_snntorch_leaky(reset: str) -> None:
    torch.manual_seed(0)
    current = torch.rand(12, 5, 7) * 1.5
    params = LIFParams(beta=torch.tensor(0.8), threshold=1.0, reset=reset)
    ours = lif_sequence(current, params, heaviside, record_membrane=True)
    ref_spikes, ref_mem = _snntorch_trace(current, 0.8, reset)
    assert ours.membrane is not None
    assert torch.equal(ours.spikes, ref_spikes)
    assert torch.allclose(ours.membrane, ref_mem, atol=1e-6)
    assert ours.spikes.sum() > 0  # the comparison saw real spikes


def test_constant_input_equals_repeated_input() -> None:
    current = torch.rand(3, 4) * 2
    params = LIFParams(beta=torch.tensor(0.5), threshold=1.0, reset="subtract")
    once = lif_sequence(current, params, heaviside, steps=6)
    repeated = lif_sequence(current.expand(6, 3, 4), params, heaviside)
    assert torch.equal(once.spikes, repeated.spikes)


def test_hand_computed_trace() -> None:
    # β = 0.5, I = 0.6: U = 0.6, 0.9, 1.05 → spike, then 0.525 + 0.6 − 1 = 0.125 ...
    current = torch.full((4, 1), 0.6)
    params = LIFParams(beta=torch.tensor(0.5), threshold=1.0, reset="subtract")
    trace = lif_sequence(current, params, heaviside, record_membrane=True)
    assert trace.membrane is not None
    assert trace.membrane.flatten().tolist() == pytest.approx([0.6, 0.9, 1.05, 0.125])
    assert trace.spikes.flatten().tolist() == [0, 0, 1, 0]


def test_adaptive_threshold_rises_after_spikes_and_reduces_firing() -> None:
    current = torch.full((30, 1), 1.2)
    fixed = LIFParams(beta=torch.tensor(0.9), threshold=1.0, reset="subtract")
    adaptive = fixed._replace(adapt_decay=0.95, adapt_strength=0.5)
    n_fixed = lif_sequence(current, fixed, heaviside).spikes.sum()
    n_adaptive = lif_sequence(current, adaptive, heaviside).spikes.sum()
    assert 0 < n_adaptive < n_fixed


def test_surrogate_passes_gradient_through_the_step() -> None:
    x = torch.tensor([-0.2, 0.0, 0.3], requires_grad=True)
    out = spike_fn("atan", 2.0)(x)
    out.sum().backward()
    assert out.tolist() == [0.0, 0.0, 1.0]
    assert x.grad is not None and (x.grad > 0).all()


def test_unknown_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown surrogate"):
        spike_fn("boxcar")


def test_if_readout_conserves_charge() -> None:
    current = torch.rand(8, 2, 10) * 0.7
    trace = if_readout(current, 1.0, heaviside)
    assert trace.membrane is not None
    # U[T] = Σ I − ϑ·(spikes before the last step)
    charge = current.sum(0)
    assert torch.allclose(trace.membrane[-1] + trace.spikes[:-1].sum(0), charge, atol=1e-5)


def _edge_values(threshold: float) -> np.ndarray:
    """Membranes at and around ϑ, 2ϑ and ϑ/2 (where the exactness argument has its cases),
    signed zeros, subnormals, huge values and a random spread."""
    theta = np.float32(threshold)
    up, down = np.float32(np.inf), np.float32(-np.inf)
    points = [theta, theta * 2, theta / 2, np.float32(0.0), np.float32(1e-45), np.float32(1e30)]
    values = [v for p in points for v in (p, np.nextafter(p, up), np.nextafter(p, down))]
    values += [-v for v in values]
    spread = np.random.default_rng(0).normal(0.0, 3.0 * float(theta), 10_000)
    return np.concatenate([np.array(values, np.float32), spread.astype(np.float32)])


@pytest.mark.parametrize("threshold", [1.0, 0.5, 0.3, 0.75, 2.5, 1e-3, 100.0])
def test_exported_step_is_the_exact_comparison(threshold: float) -> None:
    """The single ONNX node that replaces Greater → Cast gives exactly U > ϑ, never -0."""
    import io

    import onnx
    import onnxruntime as ort

    class Step(torch.nn.Module):
        def forward(self, mem: torch.Tensor) -> torch.Tensor:
            return threshold_step(mem, threshold)

    buffer = io.BytesIO()
    torch.onnx.export(
        Step(),
        (torch.zeros(4),),
        buffer,
        input_names=["mem"],
        dynamic_axes={"mem": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    assert [n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node] == [
        "HardSigmoid"
    ]
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    mem = _edge_values(threshold)
    (got,) = session.run(None, {"mem": mem})
    expected = (mem > np.float32(threshold)).astype(np.float32)
    assert np.array_equal(got, expected)
    assert not np.signbit(got).any()
    assert torch.equal(threshold_step(torch.from_numpy(mem), threshold), torch.from_numpy(expected))


def test_step_with_a_non_positive_threshold_is_a_plain_comparison() -> None:
    mem = torch.tensor([-1.0, -0.0, 0.0, 0.5])
    assert threshold_step(mem, 0.0).tolist() == [0.0, 0.0, 0.0, 1.0]
    assert threshold_step(mem, -0.5).tolist() == [0.0, 1.0, 1.0, 1.0]
