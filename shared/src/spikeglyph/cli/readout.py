"""``spikeglyph readout``: learn a readout of an STDP model's frozen features from reward."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from spikeglyph.cli.app import app, err, fail
from spikeglyph.errors import SpikeGlyphError
from spikeglyph.settings import CoreSettings


@app.command()
def readout(
    base: Annotated[Path, typer.Option(help="The STDP model directory whose features it reads.")],
    out: Annotated[Path, typer.Option(help="Where to write the R-STDP model directory.")],
    epochs: Annotated[int | None, typer.Option(min=1, help="Default: the chosen one.")] = None,
    seed: Annotated[int | None, typer.Option(help="Exploration and initial weights.")] = None,
    report_test: Annotated[
        bool, typer.Option(help="Also measure test accuracy (reported, never used to choose).")
    ] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset root.")] = None,
    cache_dir: Annotated[Path, typer.Option(help="Cache of the STDP layer's responses.")] = Path(
        "var/rstdp-features"
    ),
) -> None:
    """Reward-modulated STDP: the readout learns from +1/−1 rewards only, never from targets."""
    from spikeglyph.train.rstdp.api import train_readout
    from spikeglyph.train.rstdp.readout import ReadoutConfig

    config = ReadoutConfig()
    if epochs is not None:
        config = replace(config, epochs=epochs)
    if seed is not None:
        config = replace(config, seed=seed)
    try:
        manifest = train_readout(
            base,
            out,
            config,
            data_dir=data_dir or CoreSettings().data_dir,
            cache_dir=cache_dir,
            report_test=report_test,
        )
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)
    metrics = manifest.metrics
    test = f", test {metrics['test_accuracy']:.4f}" if "test_accuracy" in metrics else ""
    val = f"val {metrics['val_accuracy']:.4f}"
    err.print(f"[green]wrote[/] {out} ({manifest.version}): {val}{test}")
