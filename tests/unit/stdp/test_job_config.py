"""A ``train`` job with ``arch="stdp"`` gets a configuration that can learn."""

from __future__ import annotations

from spikeglyph.schemas import TrainParams
from spikeglyph.train.stdp.api import config_from_params


def test_surrogate_defaults_are_replaced_by_stdp_ones() -> None:
    config = config_from_params(TrainParams(arch="stdp", seed=4, max_samples=1000))
    assert config.spec.timesteps == 100 and config.batch_size == 16
    assert config.seed == 4 and config.spec.noise_seed == 4 and config.max_samples == 1000


def test_explicit_long_windows_and_small_batches_are_kept() -> None:
    config = config_from_params(TrainParams(arch="stdp", timesteps=64, batch_size=32))
    assert config.spec.timesteps == 64 and config.batch_size == 32
