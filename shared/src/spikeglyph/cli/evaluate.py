"""``spikeglyph evaluate``: accuracy with ONNX Runtime, exactly as the services run a model."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from spikeglyph.cli.app import Dataset, app, fail, out
from spikeglyph.errors import SpikeGlyphError
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
    from spikeglyph.data import load_split
    from spikeglyph.runtime import ModelRunner

    settings = CoreSettings()
    try:
        runner = ModelRunner(model, device="cpu", variant="int8" if int8 else None)
        name = dataset.value if dataset else runner.manifest.dataset
        images, labels = load_split(data_dir or settings.data_dir, name, split.value)
    except SpikeGlyphError as exc:
        fail(exc)
    if max_samples is not None:
        images, labels = images[:max_samples], labels[:max_samples]
    started = time.perf_counter()
    preds = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype(np.float32) / 255.0
        preds.append(runner.run(batch).logits.argmax(1))
    pred = np.concatenate(preds) if preds else np.zeros(0, dtype=np.int64)
    seconds = time.perf_counter() - started
    per_class = [
        float((pred[labels == c] == c).mean()) if (labels == c).any() else 0.0
        for c in range(len(runner.manifest.class_names))
    ]
    result: dict[str, Any] = {
        "version": runner.version,
        "dataset": name,
        "split": split.value,
        "variant": "int8" if int8 else "fp32",
        "accuracy": float((pred == labels).mean()) if len(labels) else 0.0,
        "n": len(labels),
        "per_class_accuracy": per_class,
        "seconds": round(seconds, 3),
    }
    if as_json:
        print(json.dumps(result))  # noqa: T201 - the command's output
        return
    table = Table(title=f"{runner.version} on {name}/{split.value}")
    table.add_column("class")
    table.add_column("accuracy", justify="right")
    for label, acc in zip(runner.manifest.class_names, per_class, strict=True):
        table.add_row(label, f"{acc:.4f}")
    out.print(table)
    out.print(f"accuracy [bold]{result['accuracy']:.4f}[/] on n={result['n']} ({seconds:.1f}s)")
