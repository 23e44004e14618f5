"""``spikeglyph publish``: put a model directory trained elsewhere into a running system.

The directory (say, one ``spikeglyph train`` wrote on a GPU machine) is verified here, packed
into an archive and uploaded to the gateway's ``POST /api/v1/models``, which verifies it again
(manifest, sha256 of every file) before installing it as a new version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spikeglyph.cli.app import app, err, fail
from spikeglyph.errors import SpikeGlyphError


@app.command()
def publish(
    model_dir: Annotated[Path, typer.Argument(help="Model directory (with manifest.json).")],
    url: Annotated[str, typer.Option(help="SpikeGlyph gateway URL, e.g. http://localhost:8000.")],
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="SPIKEGLYPH_API_KEY",
            help="One of the gateway's keys (SPIKEGLYPH_API_KEYS); default: $SPIKEGLYPH_API_KEY.",
            show_default=False,
        ),
    ] = None,
    activate: Annotated[
        bool, typer.Option(help="Also make it the active version on every replica.")
    ] = False,
) -> None:
    """Publish a model directory into a running SpikeGlyph as a new version."""
    if not model_dir.is_dir():
        raise typer.BadParameter(f"{model_dir} is not a directory")
    if not api_key:
        raise typer.BadParameter("give --api-key or set SPIKEGLYPH_API_KEY")
    from spikeglyph.client import SpikeGlyphClient

    try:
        with SpikeGlyphClient(url, api_key=api_key) as client:
            summary = client.publish(model_dir, activate=activate)
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)
    state = "published and activated" if summary.active else "published"
    err.print(f"[green]{state}[/] {summary.version} at {url.rstrip('/')}")
