"""Energy of the served STDP graph, counted by hand on a two-neuron network.

Everything is fixed so that a reader can follow each spike: the noise table, the weights and
the images are set by hand, so the input spikes of each presentation are known, the neuron
dynamics can be run on paper and the synaptic operations (SOPs) follow.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from spikeglyph.runtime import BatchOutputs, ModelRunner
from spikeglyph.schemas import LatencyMs
from spikeglyph.train.quantize import reexport
from spikeglyph.train.stdp.modelio import save_stdp_model
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec

# Image A's ink and image B's ink (flat pixel indices), four pixels each, all at 1.0.
INK_A = [100, 101, 102, 103]
INK_B = [500, 501, 502, 503]


def two_neuron_net() -> StdpNet:
    """2 excitatory neurons, T = 3 steps; a white pixel fires with probability 0.5 on the
    first presentation (500 Hz × 1 ms) and 1.0 on the one boosted presentation (+500 Hz);
    an image needs 2 excitatory spikes not to be presented again."""
    spec = StdpSpec(
        neurons=2,
        timesteps=3,
        max_rate_hz=500.0,
        boost_hz=500.0,
        max_boosts=1,
        min_spikes=2,
        refractory=0,
        v_thresh=13.0,
        v_reset=5.0,
        tau_mem=100.0,
    )
    net = StdpNet(spec, hidden_sample=2)
    with torch.no_grad():
        # Noise 0.6 everywhere: silent at probability 0.5, firing at 1.0 ...
        net.noise.fill_(0.6)
        # ... except image A's first ink pixel at step 0 and image B's ink at every step.
        net.noise[0, 0, INK_A[0]] = 0.1
        net.noise[:, 0, INK_B] = 0.1
        # Neuron 0 listens to both images' ink with weight 10 mV; neuron 1 to nothing.
        net.weights.zero_()
        net.weights[INK_A + INK_B, 0] = 10.0
        net.assignments.copy_(torch.tensor([7, -1]))
    return net.eval()


def images() -> torch.Tensor:
    batch = torch.zeros(2, 784)
    batch[0, INK_A] = 1.0
    batch[1, INK_B] = 1.0
    return batch


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelRunner, BatchOutputs]:
    target = tmp_path_factory.mktemp("stdp") / "model"
    save_stdp_model(
        two_neuron_net(),
        target,
        dataset="mnist",
        version="mnist-stdp-hand",
        metrics={},
        training={},
        sample_images=images(),
    )
    runner = ModelRunner(target, device="cpu")
    return runner, runner.run(images().view(2, 1, 28, 28).numpy())


def test_a_boosted_image_pays_for_the_weak_presentation_before_it(
    served: tuple[ModelRunner, BatchOutputs],
) -> None:
    runner, out = served
    # Image A, first presentation (p = 0.5): only its first ink pixel fires, at step 0:
    #   1 input spike. Neuron 0: v = 10 at t0, 0.99·10 = 9.9 at t1, 9.8 at t2; never > 13.
    #   0 excitatory spikes < 2: weak. SOPs: 1 input spike × 2 synapses = 2.
    # Boosted presentation (p = 1.0): 4 ink pixels × 3 steps = 12 input spikes; 40 mV a step
    #   drives neuron 0 over 13 at t0, t1, t2 (reset to 5, no refractory period): 3 spikes.
    #   SOPs: 12 × 2 = 24 input → exc; 3 × 1 exc → inh; the inhibitory partner fires one step
    #   later, so 2 of those (from t0, t1) land within T, each reaching 2 − 1 = 1 neuron: 2.
    # Served: both presentations, [2 + 24, 3, 2].
    assert out.layer_sops[0].tolist() == [26.0, 3.0, 2.0]
    # Image B, first presentation: all 4 ink pixels fire at every step (noise 0.1 < 0.5):
    #   12 input spikes, 3 excitatory spikes: strong, never presented again: [24, 3, 2].
    assert out.layer_sops[1].tolist() == [24.0, 3.0, 2.0]
    # The spikes shown are those of the presentation that answered.
    assert out.layer_spikes.tolist() == [[3.0, 2.0], [3.0, 2.0]]
    assert runner.manifest.energy["first_layer_macs"] == 0
    assert runner.manifest.energy["ann_macs"] == 784 * 2 + 2 * 10  # 1,588


def test_the_served_energy_of_a_boosted_image(served: tuple[ModelRunner, BatchOutputs]) -> None:
    runner, out = served
    energy = runner.prediction(out, 0, LatencyMs(total=1.0)).energy
    assert energy.sops == 26 + 3 + 2  # 31
    assert energy.macs == 0
    assert energy.snn_nj == pytest.approx(31 * 0.9 / 1000)  # 0.0279 nJ
    assert energy.ann_macs == 1588
    assert energy.ann_nj == pytest.approx(1588 * 4.6 / 1000)  # 7.3048 nJ
    assert energy.ratio == pytest.approx(7.3048 / 0.0279)  # 261.8


def test_spikeglyph_export_rewrites_an_stdp_model_directory_in_place(
    served: tuple[ModelRunner, BatchOutputs], data_dir: Path
) -> None:
    """How the shipped STDP graph was brought up to this count: same version and weights."""
    runner, before = served
    copy = runner.model_dir.parent / "reexported"
    shutil.copytree(runner.model_dir, copy)
    manifest = reexport(copy, data_dir=data_dir)
    assert manifest.version == runner.manifest.version
    assert manifest.files["weights.safetensors"] == runner.manifest.files["weights.safetensors"]
    after = ModelRunner(copy, device="cpu").run(images().view(2, 1, 28, 28).numpy())
    assert after.layer_sops.tolist() == before.layer_sops.tolist()
