"""``spikeglyph info``: a model's manifest at a glance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spikeglyph.cli.app import app, fail, out
from spikeglyph.errors import SpikeGlyphError


@app.command()
def info(model: Annotated[Path, typer.Argument(help="Model directory.")]) -> None:
    """Show a model's manifest: version, architecture, metrics, neurons, energy, files."""
    from spikeglyph.modeldir import load_manifest

    try:
        manifest = load_manifest(model)
    except SpikeGlyphError as exc:
        fail(exc)
    table = Table(title=f"{manifest.version}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = {
        "dataset": manifest.dataset,
        "family": manifest.family,
        "architecture": json.dumps(manifest.architecture),
        "encoder": json.dumps(manifest.encoder),
        "timesteps": str(manifest.timesteps),
        "neurons": json.dumps(manifest.neurons),
        "spikes / inference": f"{manifest.spikes_per_inference or 0:.0f}",
        "SOPs / inference": f"{manifest.sops_per_inference or 0:.0f}",
        "metrics": json.dumps(
            {k: v for k, v in manifest.metrics.items() if not isinstance(v, (list, dict))}
        ),
        "parent": manifest.parent or "–",
        "created": manifest.created_at.isoformat(),
        "files": ", ".join(f"{k} ({v[:10]}…)" for k, v in manifest.files.items()),
        "variants": json.dumps(manifest.variants) if manifest.variants else "–",
    }
    for key, value in rows.items():
        table.add_row(key, value)
    out.print(table)
