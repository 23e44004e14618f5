"""``spikeglyph evaluate``: accuracy with ONNX Runtime, exactly as the services run a model."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from spikeglyph.cli.app import Dataset, app, fail, out
from spikeglyph.errors import SpikeGlyphError
from spikeglyph.schemas import CLASS_NAMES
from spikeglyph.settings import CoreSettings


class Split(StrEnum):
    train = "train"
    val = "val"
    test = "test"


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option(help="Model directory.")],
    dataset: Annotated[Dataset | None, typer.Option(help="Default: the model's dataset.")] = None,
    split: Annotated[Split, typer.Option(help="val or test (train for curiosity).")] = Split.test,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    max_samples: Annotated[int | None, typer.Option(min=1)] = None,
    int8: Annotated[bool, typer.Option(help="Evaluate the int8 copy.")] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset root.")] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 500,
) -> None:
    """Accuracy of a model on a dataset split, with ONNX Runtime (what the services run)."""
    from spikeglyph.evaluation import evaluate_split

    started = time.perf_counter()
    try:
        result: dict[str, Any] = evaluate_split(
            model,
            data_dir=data_dir or CoreSettings().data_dir,
            dataset=dataset.value if dataset else None,
            split=split.value,
            max_samples=max_samples,
            variant="int8" if int8 else None,
            batch_size=batch_size,
        )
    except SpikeGlyphError as exc:
        fail(exc)
    seconds = time.perf_counter() - started
    result["seconds"] = round(seconds, 3)
    if as_json:
        print(json.dumps(result))  # noqa: T201 - the command's output
        return
    table = Table(title=f"{result['version']} on {result['dataset']}/{split.value}")
    table.add_column("class")
    table.add_column("accuracy", justify="right")
    names = CLASS_NAMES[result["dataset"]]
    for label, acc in zip(names, result["per_class_accuracy"], strict=True):
        table.add_row(label, f"{acc:.4f}")
    out.print(table)
    out.print(f"accuracy [bold]{result['accuracy']:.4f}[/] on n={result['n']} ({seconds:.1f}s)")
