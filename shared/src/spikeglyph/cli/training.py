"""Running a resolved recipe for ``spikeglyph train``: a progress bar, the model moved to
``--out``, the work directory removed. torch is imported here, on the first real run."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from spikeglyph.cli.app import err, fail
from spikeglyph.errors import SpikeGlyphError
from spikeglyph.recipe import AnyRecipe, Recipe
from spikeglyph.settings import CoreSettings


@dataclass(frozen=True)
class RunOptions:
    """Where and how a recipe runs: none of this changes the model it makes."""

    out_dir: Path
    workdir: Path
    data_dir: Path | None
    device: str
    report_test: bool
    tensorboard: Path | None
    int8: bool
    threads: int | None


def run_recipe(recipe: AnyRecipe, run: RunOptions) -> None:
    """Train ``recipe`` into ``run.workdir`` (resumable) and move the model to ``run.out_dir``."""
    if run.out_dir.exists() and not (run.out_dir / "manifest.json").is_file():
        fail(ValueError(f"{run.out_dir} exists and is not a model directory"))
    if (run.out_dir / "manifest.json").is_file():
        fail(FileExistsError(f"{run.out_dir} already holds a model; choose another --out"))
    if run.threads:
        from spikeglyph.train.optim import use_threads

        use_threads(run.threads)
    logging.basicConfig(level=logging.WARNING)
    data_dir = run.data_dir or CoreSettings().data_dir
    try:
        if isinstance(recipe, Recipe):
            _run_surrogate(recipe, run, data_dir)
        else:
            from spikeglyph.train.stdp import cli_train

            cli_train.run(
                recipe,
                out_dir=run.out_dir,
                workdir=run.workdir,
                data_dir=data_dir,
                device=run.device,
                report_test=run.report_test,
                tensorboard=run.tensorboard,
                console=err,
            )
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)


def _run_surrogate(recipe: Recipe, run: RunOptions, data_dir: Path) -> None:
    from spikeglyph.modeldir import load_manifest
    from spikeglyph.train.api import train_config
    from spikeglyph.train.cli_progress import RichProgress

    started = time.monotonic()
    with RichProgress(err) as bar:
        model_dir = train_config(
            recipe,
            data_dir=data_dir,
            workdir=run.workdir,
            device=run.device,
            progress=bar.update,
            report_test=run.report_test,
            tensorboard=run.tensorboard,
        )
    if run.int8:
        from spikeglyph.train.quantize import add_int8_variant

        add_int8_variant(model_dir, data_dir=data_dir)
    run.out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(model_dir), str(run.out_dir))
    manifest = load_manifest(run.out_dir)
    err.print(
        f"[green]wrote[/] {run.out_dir} ({manifest.version}) in "
        f"{time.monotonic() - started:.0f}s: "
        f"val accuracy {manifest.metrics.get('val_accuracy', float('nan')):.4f}"
    )
    shutil.rmtree(run.workdir, ignore_errors=True)
