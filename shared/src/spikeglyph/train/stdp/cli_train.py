"""``spikeglyph train --arch stdp``: the STDP job with a progress bar, written to ``--out``."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from rich.console import Console

from spikeglyph.modeldir import load_manifest
from spikeglyph.recipe import StdpRecipe
from spikeglyph.train.cli_progress import RichProgress
from spikeglyph.train.stdp.api import train_stdp


def run(
    config: StdpRecipe,
    *,
    out_dir: Path,
    workdir: Path,
    data_dir: Path,
    device: str,
    report_test: bool,
    console: Console,
    tensorboard: Path | None = None,
) -> Path:
    """Train into ``workdir`` (resumable), move the model to ``out_dir`` and say so."""
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
            tensorboard=tensorboard,
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
