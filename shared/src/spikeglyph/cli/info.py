"""``spikeglyph info``: a model's manifest at a glance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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
        "variants": _variants(manifest.variants),
    }
    for key, value in rows.items():
        table.add_row(key, value)
    out.print(table)


def _variants(variants: dict[str, Any]) -> str:
    """Each variant in a line: the int8 copy in full, the lab variants summarised (the
    reference activity is a histogram per layer: too long for a terminal)."""
    if not variants:
        return "–"
    lines = []
    for name, value in variants.items():
        if name == "activity" and isinstance(value, dict):
            lines.append(
                f"activity: reference of {value.get('n')} images ({value.get('reference')})"
            )
        elif name == "whatif" and isinstance(value, dict):
            parity = value.get("parity", {})
            lines.append(
                f"whatif: {value.get('file')}, up to {value.get('max_timesteps')} steps, "
                f"identical spike counts: {parity.get('identical_spike_counts')}"
            )
        else:
            lines.append(f"{name}: {json.dumps(value)}")
    return "\n".join(lines)
