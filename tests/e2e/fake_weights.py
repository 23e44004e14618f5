"""Weight figures for the fake gateway: the real routes' answers, computed from shipped models.

The fake registry's versions stand for shipped models of the same shapes (the older conv
version for ``models/mnist-spikes``, the newer for ``models/mnist``, so the difference view
has real numbers), and an STDP version is listed for the Diehl & Cook grid.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from spikeglyph.errors import ModelNotFound
from spikeglyph.weightviews import diff_set, figure_set, payload, render_png
from tests.e2e.fake_jobs import FakeRegistry

REPO = Path(__file__).resolve().parents[2]
STDP_VERSION = "mnist-stdp-0001"
SOURCES = {
    "mnist-conv-0001": REPO / "models" / "mnist-spikes",
    "mnist-conv-0002": REPO / "models" / "mnist",
    STDP_VERSION: REPO / "models" / "mnist-stdp",
}


def install_weights(app: FastAPI, registry: FakeRegistry) -> None:
    created = (datetime.now(UTC) - timedelta(days=12)).isoformat()
    registry.models[STDP_VERSION] = {
        **registry.models["mnist-conv-0001"],
        "version": STDP_VERSION,
        "family": "stdp",
        "architecture": {"kind": "stdp", "neurons": 400},
        "parent": None,
        "created_at": created,
    }

    def figures(version: str, diff: bool) -> Any:
        manifest = registry.models.get(version)
        source = SOURCES.get(version, SOURCES["mnist-conv-0002"])
        if manifest is None:
            raise ModelNotFound(f"unknown model version {version}")
        found = figure_set(source)
        if not diff:
            return found
        if manifest.get("parent") is None:
            raise ModelNotFound(f"version {version} has no parent to compare with")
        return diff_set(found, figures(manifest["parent"], False))

    def url(version: str, diff: bool) -> Any:
        return lambda name: (
            f"/api/v1/models/{version}/weights/{name}.png" + ("?diff=true" if diff else "")
        )

    @app.get("/api/v1/models/{version}/weights")
    async def weights(version: str, diff: bool = False) -> Response:
        body = payload(figures(version, diff), url(version, diff)).model_dump_json()
        return Response(body, media_type="application/json")

    @app.get("/api/v1/models/{version}/weights/{name}.png")
    async def weights_png(version: str, name: str, diff: bool = False) -> Response:
        chosen = next((f for f in figures(version, diff).figures if f.name == name), None)
        if chosen is None:
            raise ModelNotFound(f"no figure {name}")
        return Response(render_png(chosen), media_type="image/png")
