"""``spikeglyph train --arch stdp``: the STDP job with a progress bar, written to ``--out``."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import torch
from rich.console import Console

from spikeglyph.modeldir import load_manifest
from spikeglyph.train.cli_progress import RichProgress
from spikeglyph.train.stdp.api import train_stdp
from spikeglyph.train.stdp.config import StdpTrainConfig
from spikeglyph.train.stdp.spec import StdpRule, StdpSpec

DEFAULT_TIMESTEPS = 100
DEFAULT_EPOCHS = 1
DEFAULT_BATCH = 16


def build_config(
    *,
    dataset: str,
    neurons: int,
    timesteps: int | None,
    epochs: int | None,
    batch_size: int | None,
    max_samples: int | None,
    seed: int,
    rule: str,
    max_rate_hz: float,
) -> StdpTrainConfig:
    """The run's configuration; raises ``ValueError`` on impossible values."""
    spec = StdpSpec(
        neurons=neurons,
        timesteps=timesteps or DEFAULT_TIMESTEPS,
        max_rate_hz=max_rate_hz,
        noise_seed=seed,
        rule=StdpRule(kind=rule),  # type: ignore[arg-type]
    )
    return StdpTrainConfig(
        dataset=dataset,
        spec=spec,
        epochs=epochs or DEFAULT_EPOCHS,
        batch_size=batch_size or DEFAULT_BATCH,
        max_samples=max_samples,
        seed=seed,
    )


def run(
    config: StdpTrainConfig,
    *,
    out_dir: Path,
    workdir: Path,
    data_dir: Path,
    device: str,
    report_test: bool,
    console: Console,
    threads: int | None = None,
) -> Path:
    """Train into ``workdir`` (resumable), move the model to ``out_dir`` and say so."""
    if threads:
        torch.set_num_threads(threads)
    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    with RichProgress(console) as bar:
        model_dir = train_stdp(
            config,
            data_dir=data_dir,
            workdir=workdir,
            device=device,
            progress=bar.update,
            report_test=report_test,
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(model_dir), str(out_dir))
    manifest = load_manifest(out_dir)
    shutil.rmtree(workdir, ignore_errors=True)
    metrics = manifest.metrics
    console.print(
        f"[green]wrote[/] {out_dir} ({manifest.version}) in {time.monotonic() - started:.0f}s: "
        f"val accuracy {metrics['val_accuracy']:.4f}, "
        f"{metrics['train_samples_per_s']:.0f} training images/s"
    )
    return out_dir
