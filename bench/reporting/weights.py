"""Renderer for the weight figures: computing them per shipped model, and serving them."""

from __future__ import annotations

from reporting.markdown import from_bench, num, table
from reporting.sources import Doc


@from_bench("weights")
def render_weights(doc: Doc) -> str:
    """Per model: figures computed (JSON and PNGs), then answered by the gateway, cached."""
    rows = [
        [
            f"`models/{row['model']}`",
            f"{row['figures']} / {num(row['tiles'])}",
            f"{num(row['compute_ms'], 1)} ({num(row['compute_cpu_ms'], 1)})",
            f"{num(row['png_ms'], 1)} ({num(row['png_cpu_ms'], 1)})",
            num(row["first_ms"], 1),
            f"**{num(row['cached_ms'], 1)}** / {num(row['cached_p95_ms'], 1)}",
            num(row["json_bytes"] / 1000, 0),
            f"{num(row['cached_png_ms'], 1)} ({row['png_figure']}, "
            f"{num(row['png_bytes'] / 1000)} kB)",
        ]
        for row in doc["models"]
    ]
    headers = [
        "model",
        "figures / tiles",
        "compute + JSON ms (CPU)",
        "all PNGs ms (CPU)",
        "first request ms",
        "cached JSON ms median / p95",
        "JSON kB",
        "cached PNG ms",
    ]
    return (
        f"{table(headers, rows)}\n\nCompute: median of {doc['compute_repeat']} builds from the "
        "model directory, checksums verified; requests: through the gateway over loopback HTTP, "
        f"the first one computing the figures, then {doc['repeat']} cached ones."
    )
