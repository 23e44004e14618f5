"""The STDP network as a thin module: it owns the weights, thresholds and labels and calls
the pure kernels of :mod:`.kernels`.

Serving (``forward``) is deterministic: the Poisson input comes from a fixed noise table, and
an image that drives fewer than ``min_spikes`` excitatory spikes is presented again at a higher
rate (Diehl & Cook's rule), computed branch-free so it exports to ONNX: all passes run and the
first one with enough spikes is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from spikeglyph.train.stdp.kernels import (
    ExcParams,
    exc_run,
    fixed_noise_table,
    normalise_columns,
    poisson_spikes,
    trace_decay,
)
from spikeglyph.train.stdp.labels import class_votes
from spikeglyph.train.stdp.spec import StdpSpec

INPUTS = 28 * 28
HIDDEN_SAMPLE = 32  # neurons a model's raster shows


@dataclass
class Response:
    """One presentation of a batch: input and excitatory spikes, membrane, [T, B, ·]."""

    inputs: torch.Tensor
    spikes: torch.Tensor
    membrane: torch.Tensor

    @property
    def counts(self) -> torch.Tensor:
        return self.spikes.sum(0)  # [B, N]


class StdpNet(nn.Module):
    """784 Poisson inputs → ``spec.neurons`` adaptive-threshold LIF neurons with inhibition."""

    weights: torch.Tensor  # [784, N] input → excitatory
    theta: torch.Tensor  # [N] adaptive threshold part
    assignments: torch.Tensor  # [N] class label of each neuron, −1 = none
    noise: torch.Tensor  # [T, 1, 784] fixed noise of served encoding
    hidden_idx: torch.Tensor  # [H] neurons shown in rasters

    def __init__(
        self, spec: StdpSpec, classes: int = 10, hidden_sample: int = HIDDEN_SAMPLE
    ) -> None:
        super().__init__()
        self.spec, self.classes = spec, classes
        generator = torch.Generator().manual_seed(spec.noise_seed)
        weights = spec.init_scale * torch.rand((INPUTS, spec.neurons), generator=generator)
        self.register_buffer("weights", normalise_columns(weights, spec.weight_norm))
        self.register_buffer("theta", torch.zeros(spec.neurons))
        self.register_buffer("assignments", torch.full((spec.neurons,), -1, dtype=torch.long))
        self.register_buffer("noise", fixed_noise_table(spec.noise_seed, spec.timesteps))
        self.register_buffer(
            "hidden_idx", torch.arange(min(hidden_sample, spec.neurons), dtype=torch.long)
        )

    def exc_params(self) -> ExcParams:
        s = self.spec
        return ExcParams(
            decay=trace_decay(s.tau_mem, s.dt_ms),
            v_thresh=s.v_thresh,
            v_reset=s.v_reset,
            refractory=s.refractory,
            inhibition=s.inhibition,
            theta=self.theta,
        )

    def present(self, images: torch.Tensor, probability: float, noise: torch.Tensor) -> Response:
        """Show images [B, 1, 28, 28] (or [B, 784]) for T steps with the given input noise."""
        inputs = poisson_spikes(images, probability, noise)
        currents = inputs @ self.weights  # [T, B, N]: one matmul for all steps
        spikes, membrane = exc_run(currents, self.exc_params())
        return Response(inputs, spikes, membrane)

    def passes(self) -> list[float]:
        """Input spike probabilities of the first presentation and each boosted one."""
        s = self.spec
        return [s.probability(s.max_rate_hz + k * s.boost_hz) for k in range(s.max_boosts + 1)]

    def respond(self, images: torch.Tensor, *, branch_free: bool = False) -> Response:
        """Deterministic served response, boosted where an image drove too few spikes.

        ``branch_free`` runs every pass for every image and selects with ``where`` (what the
        ONNX graph does); otherwise only the weak images are presented again. Images are
        independent, so both give the same answer.
        """
        if branch_free:
            return self._respond_all(images)
        probabilities = self.passes()
        chosen = self.present(images, probabilities[0], self.noise)
        for probability in probabilities[1:]:
            weak = (chosen.spikes.sum((0, 2)) < self.spec.min_spikes).nonzero().flatten()
            if len(weak) == 0:
                break
            again = self.present(images[weak], probability, self.noise)
            chosen.inputs[:, weak] = again.inputs
            chosen.spikes[:, weak] = again.spikes
            chosen.membrane[:, weak] = again.membrane
        return chosen

    def present_all(self, images: torch.Tensor) -> list[Response]:
        """Every presentation (the first and each boosted one) of every image."""
        return [self.present(images, p, self.noise) for p in self.passes()]

    def strong(self, response: Response) -> torch.Tensor:
        """[B] whether each image drove enough excitatory spikes to stop boosting."""
        return response.spikes.sum((0, 2)) >= self.spec.min_spikes

    def _respond_all(self, images: torch.Tensor) -> Response:
        return self.choose(self.present_all(images))

    def choose(self, responses: list[Response]) -> Response:
        """Per image, the first strong presentation of ``responses`` (else the last one)."""
        chosen = responses[-1]
        for candidate in reversed(responses[:-1]):
            pick = self.strong(candidate).view(1, -1, 1)
            chosen = Response(
                torch.where(pick, candidate.inputs, chosen.inputs),
                torch.where(pick, candidate.spikes, chosen.spikes),
                torch.where(pick, candidate.membrane, chosen.membrane),
            )
        return chosen

    def votes(self, counts: torch.Tensor) -> torch.Tensor:
        """Class votes [..., C] from per-neuron counts [..., N]."""
        return class_votes(counts, self.assignments, self.classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class votes [B, C] of the served (deterministic) network."""
        return self.votes(self.respond(images).counts)
