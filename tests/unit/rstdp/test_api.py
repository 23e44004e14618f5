"""``spikeglyph readout`` end to end on a tiny STDP model and a tiny dataset: features cached
once, a readout learnt from reward, a served model whose parent is the STDP model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.data import load_split
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.rstdp.features import SpikeEvents
from spikeglyph.train.stdp.export import snap_weights
from spikeglyph.train.stdp.modelio import save_stdp_model
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec
from tests.support.datasets import make_tiny_idx_dataset
from tests.unit.stdp.conftest import stroke_images


def tiny_stdp(target: Path) -> Path:
    spec = StdpSpec(
        neurons=24, timesteps=16, max_rate_hz=400.0, min_spikes=3, boost_hz=400.0, max_boosts=2
    )
    net = StdpNet(spec, hidden_sample=8)
    snap_weights(net)
    net.assignments.copy_(torch.arange(24) % 10)
    save_stdp_model(
        net,
        target,
        dataset="mnist",
        version="mnist-stdp-tiny",
        metrics={},
        training={"config": {"val_size": 100}},
        sample_images=stroke_images(8).flatten(1),
    )
    return target


def test_readout_learns_from_reward_and_writes_a_served_model(tmp_path: Path) -> None:
    data = make_tiny_idx_dataset(tmp_path / "data", n_train=400, n_test=100)
    base = tiny_stdp(tmp_path / "stdp")
    cache = tmp_path / "cache"
    args = ["readout", "--base", str(base), "--out", str(tmp_path / "r"), "--epochs", "1"]
    args += ["--data-dir", str(data), "--cache-dir", str(cache), "--report-test"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    runner = ModelRunner(tmp_path / "r", device="cpu")
    manifest = runner.manifest
    assert manifest.family == "rstdp" and manifest.parent == "mnist-stdp-tiny"
    assert manifest.training["labels_used_as"].startswith("reward only")
    assert manifest.training["train_images"] == 300 and manifest.metrics["val_n"] == 100
    assert 0.0 <= manifest.metrics["test_accuracy"] <= 1.0
    # the features were cached per split, and they are the served responses
    cached = sorted(p.name for p in cache.iterdir())
    assert [name.split("-", 1)[1] for name in cached] == [
        "test-00000.npz",
        "train-00000.npz",
        "val-00000.npz",
    ]
    val_x, val_y = load_split(data, "mnist", "val", val_size=100)
    counts = SpikeEvents.load(next(cache.glob("*-val-*.npz"))).counts()
    logits = runner.run(val_x.astype(np.float32) / 255.0).logits
    accuracy = float((logits.argmax(1) == val_y).mean())
    assert accuracy == manifest.metrics["val_accuracy"]
    assert counts.shape == (100, 24)
