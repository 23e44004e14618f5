"""Learning a class readout of frozen STDP features from reward alone.

Each training image is a trial: the frozen excitatory layer answers with spike counts ``x``
[N]; each of the C output neurons integrates ``x·W[:, c]`` (no leak, as the served graph
does); the one with the highest potential fires and inhibits the others (winner-take-all),
and its class is the network's answer. While learning, the output neurons are noisy (Gumbel
noise of scale ``temperature`` on the normalised potentials: a softmax policy), so the
network explores answers it does not yet prefer. The environment returns only ``R = +1`` if
the answer was right and ``R = −1`` otherwise; the three-factor rule of :mod:`.kernels` turns
the trial's eligibility and ``R − b`` into a weight change. Trials are processed ``batch_size``
at a time (their changes summed, the baseline updated trial by trial), the first-order
equivalent of presenting them one after another, as the STDP layer's own learning does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from spikeglyph.train.rstdp.kernels import (
    RewardParams,
    eligibility_decay,
    eligibility_step,
    hebbian,
    reward_update,
    success,
)


@dataclass(frozen=True)
class ReadoutConfig:
    """Hyperparameters of reward-only readout learning (defaults: chosen on validation)."""

    lr: float = 0.05
    depression: float = 0.0
    tau_e_ms: float = 200.0
    reward_delay_ms: float = 20.0
    tau_baseline: float = 50.0
    temperature: float = 0.03
    w_max: float = 1.0
    init_mean: float = 0.5
    init_spread: float = 0.01
    epochs: int = 3
    batch_size: int = 16
    seed: int = 0

    def reward_params(self) -> RewardParams:
        return RewardParams(
            self.lr,
            self.depression,
            self.tau_e_ms,
            self.reward_delay_ms,
            self.tau_baseline,
            self.w_max,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadoutConfig:
        return cls(**data)


@dataclass
class ReadoutState:
    """The readout's weights [N, C] and the running expected reward."""

    weights: torch.Tensor
    baseline: torch.Tensor


def initial_state(neurons: int, classes: int, config: ReadoutConfig) -> ReadoutState:
    generator = torch.Generator().manual_seed(config.seed)
    noise = torch.rand((neurons, classes), generator=generator) * 2.0 - 1.0
    weights = (config.init_mean + config.init_spread * noise).clamp(0.0, config.w_max)
    return ReadoutState(weights, torch.tensor(0.0))


def potentials(counts: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Output potentials [B, C] of spike counts [B, N]: what the served graph computes."""
    return counts @ weights


def choose(
    counts: torch.Tensor, weights: torch.Tensor, temperature: float, generator: torch.Generator
) -> torch.Tensor:
    """The firing output neuron of each trial: the highest potential (normalised by the
    image's spike count), with Gumbel noise of scale ``temperature`` while exploring."""
    scores = potentials(counts, weights) / counts.sum(1, keepdim=True).clamp(min=1.0)
    if temperature > 0:
        uniform = torch.rand(scores.shape, generator=generator).clamp(1e-12, 1.0 - 1e-7)
        scores = scores - temperature * torch.log(-torch.log(uniform))
    return scores.argmax(1)


def running_signals(
    baseline: torch.Tensor, rewards: torch.Tensor, tau: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Success signals ``R − b`` of trials in order, and the baseline after the last one."""
    signals = torch.empty_like(rewards)
    for index, reward in enumerate(rewards):
        signals[index] = success(reward, baseline)
        baseline = baseline + (reward - baseline) / tau
    return signals, baseline


def reward_trials(
    state: ReadoutState,
    counts: torch.Tensor,
    rewarded: torch.Tensor,
    actions: torch.Tensor,
    config: ReadoutConfig,
) -> ReadoutState:
    """Apply one batch of trials: counts [B, N], the answers given [B] and whether each was
    rewarded [B] (True: +1, False: −1)."""
    params = config.reward_params()
    post = torch.nn.functional.one_hot(actions, state.weights.shape[1]).to(counts.dtype)
    coincidence = hebbian(counts, post, params.depression)
    # The output spike pairs with the presynaptic trace at the end of the presentation; the
    # reward arrives reward_delay_ms later, when the trace has decayed by that much.
    decay = eligibility_decay(params.reward_delay_ms, params.tau_e_ms)
    trace = eligibility_step(torch.zeros_like(coincidence), coincidence, 1.0) * decay
    rewards = torch.where(rewarded, 1.0, -1.0).to(counts.dtype)
    signals, baseline = running_signals(state.baseline, rewards, params.tau_baseline)
    return ReadoutState(reward_update(state.weights, trace, signals, params), baseline)


def learn_from_reward(
    state: ReadoutState,
    counts: npt.NDArray[np.float32],
    labels: npt.NDArray[np.integer[Any]],
    config: ReadoutConfig,
) -> tuple[ReadoutState, list[float]]:
    """Reward-only learning over ``config.epochs`` shuffled passes; the labels only decide
    whether an answer is rewarded. Returns the state and the reward rate of each epoch."""
    x = torch.from_numpy(np.asarray(counts, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels).astype(np.int64))
    generator = torch.Generator().manual_seed(config.seed + 1)
    reward_rates: list[float] = []
    for _ in range(config.epochs):
        order = torch.randperm(len(x), generator=generator)
        rewarded_total = 0
        for batch in order.split(config.batch_size):
            actions = choose(x[batch], state.weights, config.temperature, generator)
            rewarded = actions == y[batch]
            rewarded_total += int(rewarded.sum())
            state = reward_trials(state, x[batch], rewarded, actions, config)
        reward_rates.append(rewarded_total / max(len(x), 1))
    return state, reward_rates


def readout_accuracy(
    weights: torch.Tensor, counts: npt.NDArray[np.float32], labels: npt.NDArray[np.integer[Any]]
) -> float:
    """Accuracy of the greedy (served) readout."""
    x = torch.from_numpy(np.asarray(counts, dtype=np.float32))
    predicted = potentials(x, weights).argmax(1).numpy()
    return float((predicted == np.asarray(labels)).mean())
