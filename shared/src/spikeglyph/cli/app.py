"""The ``spikeglyph`` Typer app, its consoles and what several commands share."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    name="spikeglyph",
    help="Spiking neural network digit recognition: train, evaluate, export, predict.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()


class Dataset(StrEnum):
    mnist = "mnist"
    fashion = "fashion-mnist"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def fail(exc: Exception) -> NoReturn:
    """Say what went wrong, in one line, and exit with status 2."""
    err.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(2)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
