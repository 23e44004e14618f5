"""The exported NIR graph, simulated in snnTorch, does what the served (ONNX Runtime) model does."""

from __future__ import annotations

import json
from pathlib import Path

import nir
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.errors import InvalidModel
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.modelio import save_model
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.nir_check import NirAgreement, check_nir
from spikeglyph.train.nir_export import export_nir
from spikeglyph.train.nir_sim import build_simulator, reset_state
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec
from tests.support.datasets import make_glyphs

N_IMAGES = 24


def glyphs() -> tuple[np.ndarray, np.ndarray]:
    images, labels = make_glyphs(N_IMAGES, seed=5)
    return images.astype(np.float32)[:, None] / 255.0, labels.astype(np.int64)


def random_model_dir(
    target: Path, arch: ArchSpec, encoder: str = "direct", version: str = "nir-check-v1"
) -> Path:
    """A randomly initialised model directory whose every layer spikes."""
    torch.manual_seed(3)
    net = SpikingNet(arch, EncoderSpec(kind=encoder), timesteps=4)
    with torch.no_grad():  # larger weights: busy layers whose membranes overshoot the threshold
        for param in net.parameters():
            if param.dim() > 1:
                param.mul_(3.0)
    for norm in net.norms:
        norm.running_mean.uniform_(-0.3, 0.3)
        norm.running_var.uniform_(0.5, 2.0)
    images, _ = glyphs()
    save_model(
        net.eval(), target, dataset="mnist", version=version, metrics={}, training={},
        sample_images=images,
    )  # fmt: skip
    return target


def run_check(model_dir: Path, tmp_path: Path) -> dict[str, NirAgreement]:
    images, labels = glyphs()
    served = ModelRunner(model_dir, device="cpu").run(images)
    assert (served.layer_spikes.sum(0) > 0).all(), "every layer must spike for a real test"
    graph = export_nir(model_dir, tmp_path / "model.nir")
    results = check_nir(model_dir, graph, images, labels, batch_size=10)
    return {result.semantics: result for result in results}


def assert_identical(result: NirAgreement) -> None:
    assert result.n == N_IMAGES
    assert result.class_agreement == 1.0
    assert result.spike_class_agreement == 1.0
    assert result.spike_count_agreement == 1.0
    assert result.max_logit_diff < 1e-5
    assert set(result.layer_spike_agreement.values()) == {1.0}
    assert result.nir_accuracy == result.served_accuracy


FC = ArchSpec(kind="fc", channels=(), hidden=(20,))
CONV = ArchSpec(kind="conv", channels=(3, 5), hidden=(12,), pool="spikes")


@pytest.mark.parametrize(
    ("arch", "encoder"),
    [(FC, "direct"), (CONV, "direct"), (CONV, "rate")],
    ids=["fc", "conv", "conv-rate-encoded"],
)
def test_simulated_graph_matches_the_served_model_spike_for_spike(
    arch: ArchSpec, encoder: str, tmp_path: Path
) -> None:
    model_dir = random_model_dir(tmp_path / "model", arch, encoder)
    results = run_check(model_dir, tmp_path)
    # with the resets the metadata records (reset by subtraction), everything is identical
    assert_identical(results["metadata"])
    # NIR's own LIF resets to zero: the first spiking layer already parts ways, and the check
    # sees it
    first = next(iter(results["nir"].layer_spike_agreement))
    assert results["nir"].layer_spike_agreement[first] < 1.0
    assert results["nir"].layer_spike_mismatch_rate[first] > 0.0


def test_reset_to_zero_models_are_exact_in_nir_semantics(tmp_path: Path) -> None:
    arch = ArchSpec(kind="conv", channels=(3, 5), hidden=(12,), pool="spikes",
                    neuron=NeuronSpec(reset="zero"))  # fmt: skip
    results = run_check(random_model_dir(tmp_path / "model", arch), tmp_path)
    nir_result = results["nir"]
    hidden = {k: v for k, v in nir_result.layer_spike_agreement.items() if k != "output"}
    assert set(hidden.values()) == {1.0}
    assert nir_result.class_agreement == 1.0  # the readout current is the same
    assert_identical(results["metadata"])  # the output neurons subtract: only metadata is exact


def step_graph(node: nir.NIRNode, reset: str) -> nir.NIRGraph:
    return nir.NIRGraph(
        nodes={"input": nir.Input({"input": np.array([1])}), "cell": node,
               "output": nir.Output({"output": np.array([1])})},
        edges=[("input", "cell"), ("cell", "output")],
        metadata={"reset": reset, "output_reset": reset},
    )  # fmt: skip


def spikes_of(graph: nir.NIRGraph, semantics: str, currents: list[float]) -> list[int]:
    module = build_simulator(graph, semantics)  # type: ignore[arg-type]
    reset_state(module)
    out, state = [], None
    with torch.no_grad():
        for current in currents:
            spike, state = module(torch.tensor([[current]]), state)
            out.append(int(spike.item()))
    return out


def one(value: float) -> np.ndarray:
    return np.array([value], dtype=np.float32)


def test_lif_resets_to_zero_in_nir_semantics_and_subtracts_with_the_metadata() -> None:
    # β = 0.5 (τ = 2 dt, R = τ/dt), ϑ = 1; inputs 3, 0.6, 0, 0
    dt = 1e-4
    lif = nir.LIF(tau=one(2 * dt), r=one(2.0), v_leak=one(0), v_threshold=one(1.0))
    graph = step_graph(lif, "subtract")
    # reset to zero: 3 fires, then 0.6 → 0.6 stays below
    assert spikes_of(graph, "nir", [3.0, 0.6, 0.0, 0.0]) == [1, 0, 0, 0]
    # subtraction: 3 fires, then 0.5·3 + 0.6 − 1 = 1.1 fires again, then 0.55 − 1 < 1
    assert spikes_of(graph, "metadata", [3.0, 0.6, 0.0, 0.0]) == [1, 1, 0, 0]


def test_if_neurons_integrate_without_leak() -> None:
    graph = step_graph(nir.IF(r=one(1.0), v_threshold=one(1.0)), "subtract")
    # 0.5 + 0.5 = 1 is not above ϑ = 1; + 0.05 is (a leak of any size would stay below)
    assert spikes_of(graph, "nir", [0.5, 0.5, 0.05, 0.0]) == [0, 0, 1, 0]
    # by subtraction the charge above ϑ stays: 3 → 2.6 → 1.6 → 0.6
    assert spikes_of(graph, "metadata", [3.0, 0.6, 0.0, 0.0]) == [1, 1, 1, 0]
    assert spikes_of(graph, "nir", [3.0, 0.6, 0.0, 0.0]) == [1, 0, 0, 0]


def test_a_graph_from_another_model_is_refused(tmp_path: Path) -> None:
    first = random_model_dir(tmp_path / "a", FC, version="model-a")
    second = random_model_dir(tmp_path / "b", FC, version="model-b")
    graph = export_nir(first, tmp_path / "a.nir")
    images, _ = glyphs()
    with pytest.raises(InvalidModel, match="model-a"):
        check_nir(second, graph, images)


def test_export_command_checks_the_graph_on_test_images(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "tiny.nir"
    args = ["export", "--model", str(tiny_model_dir), "--nir", str(target),
            "--check", "20", "--data-dir", str(data_dir)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["split"] == "test" and report["n"] == 20
    by_semantics = {r["semantics"]: r for r in report["results"]}
    assert set(by_semantics) == {"nir", "metadata"}
    exact = by_semantics["metadata"]
    assert exact["class_agreement"] == 1.0 and exact["spike_count_agreement"] == 1.0
    assert exact["served_accuracy"] == exact["nir_accuracy"]
    assert exact["simulator"] == "snntorch"


def test_check_without_a_nir_file_is_refused(tiny_model_dir: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--model", str(tiny_model_dir), "--check", "5"])
    assert result.exit_code == 2
    assert "--nir" in result.output
