"""``spikeglyph predict``: one image, locally with ONNX Runtime or through a running gateway."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from spikeglyph.cli.app import app, fail
from spikeglyph.errors import SpikeGlyphError
from spikeglyph.settings import CoreSettings


@app.command()
def predict(
    image: Annotated[Path, typer.Argument(help="Image file (PNG, JPEG, WebP, GIF, BMP, TIFF).")],
    model: Annotated[Path | None, typer.Option(help="Model directory (local inference).")] = None,
    url: Annotated[
        str | None, typer.Option(help="SpikeGlyph gateway URL, e.g. http://localhost:8000.")
    ] = None,
    full: Annotated[bool, typer.Option(help="Include rasters and the 28×28 input.")] = False,
) -> None:
    """Predict one image locally (--model) or through a running SpikeGlyph (--url)."""
    if (model is None) == (url is None):
        raise typer.BadParameter("give exactly one of --model DIR or --url URL")
    if not image.is_file():
        raise typer.BadParameter(f"{image} is not a file")
    data = image.read_bytes()
    try:
        if url is not None:
            from spikeglyph.client import SpikeGlyphClient

            with SpikeGlyphClient(url) as client:
                prediction = client.predict(data, compact=not full)
        else:
            assert model is not None
            prediction = _predict_local(model, data, compact=not full)
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)
    print(prediction.model_dump_json(indent=2, exclude_none=True))  # noqa: T201


def _predict_local(model: Path, data: bytes, *, compact: bool) -> Any:
    from spikeglyph.preprocess import preprocess
    from spikeglyph.runtime import ModelRunner
    from spikeglyph.schemas import LatencyMs

    settings = CoreSettings()
    runner = ModelRunner(model, device=settings.device)
    t0 = time.perf_counter()
    array = preprocess(
        data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
    )
    t1 = time.perf_counter()
    outputs = runner.run(array[None])
    t2 = time.perf_counter()
    latency = LatencyMs(preprocess=(t1 - t0) * 1e3, compute=(t2 - t1) * 1e3, total=(t2 - t0) * 1e3)
    return runner.prediction(outputs, 0, latency, compact=compact, image=array)
