"""The options of ``spikeglyph train``, named once.

Every option that changes the recipe defaults to ``None``: unset takes the recipe's value (the
shipped model's recipe for the dataset and architecture, or the ``--recipe`` one), and its
help shows that value, read from :mod:`spikeglyph.recipe`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from spikeglyph.cli.app import Dataset, Device
from spikeglyph.recipe import default_text
from spikeglyph.recipe.specs import SURROGATES

RECIPE_PANEL = "Recipe (unset: the recipe's value)"
STDP_PANEL = "Recipe of --arch stdp (unset: the recipe's value)"


class Arch(StrEnum):
    conv = "conv"
    fc = "fc"
    stdp = "stdp"


class Pool(StrEnum):
    spikes = "spikes"
    current = "current"


class Encoder(StrEnum):
    direct = "direct"
    rate = "rate"
    latency = "latency"


class Curriculum(StrEnum):
    off = "off"
    teacher = "teacher"


class StdpRuleName(StrEnum):
    pair = "pair"
    triplet = "triplet"


class StdpGrowthOpt(StrEnum):
    off = "off"
    errors = "errors"


def _recipe(what: str, name: str, panel: str = RECIPE_PANEL, minimum: float | None = None) -> Any:
    """An option that overrides what ``name`` sets in the recipe; its help shows the recipe's
    value (parentheses, not brackets: rich reads brackets as markup)."""
    help_text = f"{what} (recipe: {default_text(name)})"
    return typer.Option(help=help_text, show_default=False, rich_help_panel=panel, min=minimum)


OutDir = Annotated[Path | None, typer.Option("--out", help="Model directory to write.")]
RecipePath = Annotated[
    Path | None,
    typer.Option(
        "--recipe",
        help="Start from this recipe: a model directory or a recipe JSON file.",
        rich_help_panel=RECIPE_PANEL,
    ),
]
PrintRecipe = Annotated[
    bool,
    typer.Option(help="Print the resolved recipe as JSON and exit (trains nothing)."),
]
DatasetOpt = Annotated[Dataset | None, _recipe("Dataset to train on", "dataset")]
ArchOpt = Annotated[Arch | None, _recipe("conv, fc or stdp", "arch")]
Epochs = Annotated[int | None, _recipe("Training epochs", "epochs", minimum=1)]
Timesteps = Annotated[
    int | None, _recipe("Time steps T (at most 64 but for stdp)", "timesteps", minimum=1)
]
MaxSamples = Annotated[
    int | None, _recipe("Use only this many training samples", "max_samples", minimum=10)
]
BatchSize = Annotated[int | None, _recipe("Batch size", "batch_size", minimum=1)]
Seed = Annotated[int | None, _recipe("Seed of every random choice", "seed")]
Channels = Annotated[str | None, _recipe("Conv channels per block, e.g. 16,32", "channels")]
Hidden = Annotated[str | None, _recipe('Hidden fully-connected widths ("" for none)', "hidden")]
PoolOpt = Annotated[
    Pool | None,
    _recipe("conv: max-pool each block's input current (cheaper) or its spikes", "pool"),
]
Residual = Annotated[
    int | None,
    _recipe("conv: SEW residual blocks after each conv block (SEW-ResNet)", "residual", minimum=0),
]
EncoderOpt = Annotated[Encoder | None, _recipe("Input encoding", "encoder")]
Surrogate = Annotated[str | None, _recipe(", ".join(SURROGATES), "surrogate")]
Tau = Annotated[float | None, _recipe("Initial membrane time constant (steps)", "tau")]
Adaptive = Annotated[bool | None, _recipe("Adaptive thresholds (ALIF)", "adaptive")]
RateReg = Annotated[float | None, _recipe("Firing-rate penalty weight (energy-aware)", "rate_reg")]
Lr = Annotated[float | None, _recipe("Peak AdamW learning rate", "lr")]
Augment = Annotated[bool | None, _recipe("Training augmentation", "augment")]
CurriculumOpt = Annotated[
    Curriculum | None,
    _recipe("Training order: random, or easy first by a teacher's margin", "curriculum"),
]
Neurons = Annotated[int | None, _recipe("Excitatory neurons", "neurons", STDP_PANEL, minimum=1)]
StdpRuleOpt = Annotated[
    StdpRuleName | None, _recipe("Pair or triplet STDP", "stdp_rule", STDP_PANEL)
]
MaxRate = Annotated[
    float | None, _recipe("Input rate of a white pixel, Hz", "max_rate", STDP_PANEL, minimum=1.0)
]
Growth = Annotated[
    StdpGrowthOpt | None,
    _recipe(
        "off, or errors: start small and grow neurons where the labelled errors are, "
        "up to --neurons",
        "growth",
        STDP_PANEL,
    ),
]
StartNeurons = Annotated[
    int | None,
    _recipe("Neurons a --growth errors network starts with", "start_neurons", STDP_PANEL, 1),
]
DeviceOpt = Annotated[Device, typer.Option(help="auto picks CUDA when available.")]
Workdir = Annotated[Path | None, typer.Option(help="Checkpoints (default: OUT.work).")]
DataDir = Annotated[Path | None, typer.Option(help="Dataset root (default SPIKEGLYPH_DATA_DIR).")]
TensorBoard = Annotated[
    Path | None,
    typer.Option(
        "--tensorboard",
        help="Also write TensorBoard event files of the run to this directory.",
    ),
]
ReportTest = Annotated[bool, typer.Option(help="Also report test accuracy in the manifest.")]
Int8 = Annotated[bool, typer.Option(help="Also write an int8-quantised ONNX copy.")]
Threads = Annotated[int | None, typer.Option(min=1, help="CPU threads torch may use.")]
