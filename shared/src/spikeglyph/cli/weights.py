"""``spikeglyph weights MODEL --out DIR``: a model's weight figures as PNG files.

``MODEL`` is a model directory or the name of a shipped one (``mnist``, ``mnist-stdp``, … in
``models/``). For conv models the spike-triggered averages of the sampled hidden neurons are
drawn too: those stored in the directory, or, for one exported without them, computed with
ONNX Runtime on the same images export uses (skipped, with a warning, when the dataset is not
in ``--data-dir``). With ``--parent DIR`` the difference views against
that version are written as well (``diff-<figure>.png``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from spikeglyph.cli.app import app, err, fail, out
from spikeglyph.errors import DatasetError, SpikeGlyphError
from spikeglyph.settings import CoreSettings


def resolve_model(model: str, models_dir: Path) -> Path:
    """A model directory from a path or a shipped model's name."""
    path = Path(model)
    if path.is_dir():
        return path
    shipped = models_dir / model
    if "/" not in model and shipped.is_dir():
        return shipped
    names = (
        sorted(p.name for p in models_dir.iterdir() if p.is_dir()) if models_dir.is_dir() else []
    )
    raise typer.BadParameter(f"{model} is neither a model directory nor one of {names}")


@app.command()
def weights(
    model: Annotated[str, typer.Argument(help="Model directory, or a shipped model's name.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the PNG files.")],
    parent: Annotated[
        Path | None, typer.Option(help="The parent version's directory: also draw what changed.")
    ] = None,
    sta_images: Annotated[
        int,
        typer.Option(
            min=0, help="Images for a conv model's spike-triggered averages, if it has none."
        ),
    ] = 256,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset root.")] = None,
) -> None:
    """Draw a model's weight figures as PNG files (and print what was written as JSON)."""
    from spikeglyph.weightviews import diff_set, figure_set, render_png

    settings = CoreSettings()
    started = time.perf_counter()
    try:
        model_dir = resolve_model(model, settings.models_dir)
        sta = conv_sta(model_dir, data_dir or settings.data_dir, sta_images)
        figures = figure_set(model_dir, sta=sta)
        sets = [("", figures)]
        if parent is not None:
            sets.append(("diff-", diff_set(figures, figure_set(parent))))
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for prefix, chosen in sets:
            for figure in chosen.figures:
                path = out_dir / f"{prefix}{figure.name}.png"
                path.write_bytes(render_png(figure))
                written.append(str(path))
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)
    seconds = round(time.perf_counter() - started, 3)
    out.print_json(
        json.dumps({"version": figures.manifest.version, "files": written, "seconds": seconds})
    )


def conv_sta(model_dir: Path, data_dir: Path, count: int) -> np.ndarray | None:
    """A conv model's spike-triggered averages when its directory lacks them (exported before
    they were stored), computed with ONNX Runtime on the images export uses: the first
    ``count`` validation images carved from the training file. None for other models, or
    without the dataset."""
    from spikeglyph.data import load_split
    from spikeglyph.modeldir import WEIGHTS_NAME, load_manifest
    from spikeglyph.runtime import ModelRunner
    from spikeglyph.weightsta import served_sta
    from spikeglyph.weightviews.sta import STA_NAME
    from spikeglyph.weightviews.tensorfile import read_tensors

    manifest = load_manifest(model_dir)
    if count == 0 or STA_NAME in manifest.files:
        return None
    if "convs.0.weight" not in read_tensors(model_dir / WEIGHTS_NAME):
        return None
    val_size = int(manifest.training.get("config", {}).get("val_size", 5000))
    try:
        images, _ = load_split(data_dir, manifest.dataset, "val", download=False, val_size=val_size)
    except DatasetError as exc:
        err.print(f"[yellow]no spike-triggered averages:[/] {exc}")
        return None
    runner = ModelRunner(model_dir, device="cpu", verify=False)
    return served_sta(runner, images[:count])
