"""``spikeglyph train``: resolve the recipe, then train it (torch is imported only then).

The recipe is the shipped model's for the chosen dataset and architecture, or the one of
``--recipe`` (a model directory or a recipe JSON file); every option given changes only its
own field. ``--print-recipe`` shows the result without training.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from spikeglyph.cli import train_options as opt
from spikeglyph.cli.app import Device, app, fail
from spikeglyph.cli.training import RunOptions, run_recipe
from spikeglyph.errors import InvalidRecipe, SpikeGlyphError
from spikeglyph.recipe import AnyRecipe, RecipeOverrides, resolve
from spikeglyph.recipe.overrides import describe_error
from spikeglyph.recipe.records import load_recipe


@app.command()
def train(
    ctx: typer.Context,
    out_dir: opt.OutDir = None,
    recipe: opt.RecipePath = None,
    print_recipe: opt.PrintRecipe = False,
    dataset: opt.DatasetOpt = None,
    epochs: opt.Epochs = None,
    timesteps: opt.Timesteps = None,
    max_samples: opt.MaxSamples = None,
    device: opt.DeviceOpt = Device.auto,
    arch: opt.ArchOpt = None,
    channels: opt.Channels = None,
    hidden: opt.Hidden = None,
    pool: opt.PoolOpt = None,
    residual: opt.Residual = None,
    encoder: opt.EncoderOpt = None,
    surrogate: opt.Surrogate = None,
    tau: opt.Tau = None,
    adaptive: opt.Adaptive = None,
    rate_reg: opt.RateReg = None,
    batch_size: opt.BatchSize = None,
    lr: opt.Lr = None,
    seed: opt.Seed = None,
    augment: opt.Augment = None,
    curriculum: opt.CurriculumOpt = None,
    workdir: opt.Workdir = None,
    data_dir: opt.DataDir = None,
    report_test: opt.ReportTest = False,
    tensorboard: opt.TensorBoard = None,
    int8: opt.Int8 = False,
    neurons: opt.Neurons = None,
    stdp_rule: opt.StdpRuleOpt = None,
    max_rate: opt.MaxRate = None,
    growth: opt.Growth = None,
    start_neurons: opt.StartNeurons = None,
    threads: opt.Threads = None,
) -> None:
    """Train a spiking network and write a model directory (resumes from OUT.work).

    Unset recipe options keep the recipe's values (the shipped model's, or those of --recipe).
    """
    resolved = resolve_recipe(recipe, ctx.params)
    if print_recipe:
        print(json.dumps(resolved.to_dict(), indent=2))  # noqa: T201 - the command's output
        return
    if out_dir is None:
        raise typer.BadParameter("give --out DIR, the model directory to write")
    run = RunOptions(
        out_dir=out_dir,
        workdir=workdir or out_dir.with_name(out_dir.name + ".work"),
        data_dir=data_dir,
        device=device.value,
        report_test=report_test,
        tensorboard=tensorboard,
        int8=int8,
        threads=threads,
    )
    run_recipe(resolved, run)


def resolve_recipe(path: Path | None, options: dict[str, Any]) -> AnyRecipe:
    """The recipe at ``path`` (or the default one) changed by the recipe ``options`` given."""
    given = {
        name: value.value if isinstance(value, Enum) else value
        for name, value in options.items()
        if name in RecipeOverrides.model_fields and value is not None
    }
    for name in ("channels", "hidden"):
        if name in given:
            given[name] = _widths(given[name], f"--{name}")
    try:
        base = load_recipe(path) if path is not None else None
        return resolve(RecipeOverrides.model_validate(given), base)
    except InvalidRecipe as exc:
        raise typer.BadParameter(str(exc)) from None
    except ValidationError as exc:
        raise typer.BadParameter(describe_error(exc)) from None
    except SpikeGlyphError as exc:
        fail(exc)


def _widths(text: str, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"{what} must be comma-separated integers, e.g. 32,64") from None
