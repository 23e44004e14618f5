"""A stand-in inference replica: the same routes and shapes, no model.

It lets the routing tests run without a trained network and makes the answers traceable: the
``model_version`` is the replica's name and ``label`` says which body form arrived.
The work the gateway hands to replicas is the real one: ``/v1/preprocess`` preprocesses as the
inference service does, and the weight figures are drawn by the service's own cache from the
registry (given ``--redis-url`` and ``--artifacts``; without them every version is unknown).
Run: ``python -m tests.integration.gateway.fake_inference --port P --name N``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from spikeglyph.preprocess import preprocess
from spikeglyph.schemas import DatasetName
from spikeglyph.server.errors import install_error_handlers
from spikeglyph.stores import ModelRegistry, connect, to_uint8_image
from spikeglyph_inference.model_holder import Registry
from spikeglyph_inference.weight_cache import RegistryVersions, WeightFigureCache


def prediction(name: str, form: str, compact: bool) -> dict[str, Any]:
    probabilities = [0.01] * 10
    probabilities[7] = 0.91
    return {
        "digit": 7,
        "label": form,
        "probabilities": probabilities,
        "confidence": 0.91,
        "class_names": [str(d) for d in range(10)],
        "model_version": name,
        "dataset": "mnist",
        "latency_ms": {"queue": 0.1, "preprocess": 0.2, "compute": 0.7, "total": 1.0},
        "spikes": None,
        "energy": {
            "sops": 1.0,
            "macs": 1.0,
            "snn_nj": 1.0,
            "ann_macs": 2.0,
            "ann_nj": 9.0,
            "ratio": 9.0,
        },
        "input": None if compact else [[0.0] * 28 for _ in range(28)],
    }


def body_form(content_type: str) -> str:
    if content_type.startswith("multipart/"):
        return "multipart"
    if content_type.startswith("application/json"):
        return "json"
    return "raw"


def error(status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": code, "request_id": None}}, status)


def build(name: str, registry: Registry | None = None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)  # refusals in the uniform error body, as a real replica's
    figures = WeightFigureCache(RegistryVersions(registry))

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/v1/model")
    async def model() -> dict[str, Any]:
        return {"version": name, "dataset": "mnist", "timesteps": 4}

    @app.post("/v1/predict")
    async def predict(request: Request, compact: bool = False) -> Any:
        body = await request.body()
        if b"NOT-AN-IMAGE" in body:
            return error(415, "unsupported_media_type")
        result = prediction(name, body_form(request.headers.get("content-type", "")), compact)
        headers = {
            "x-seen-request-id": request.headers.get("x-request-id", ""),
            "server-timing": "compute;dur=0.002, app;dur=0.010",  # the real replica's form
        }
        return JSONResponse(result, headers=headers)

    @app.post("/v1/predict/batch")
    async def batch(request: Request, compact: bool = False) -> Any:
        form = await request.form()
        files = form.getlist("files")
        return {"results": [prediction(name, "multipart", compact) for _ in files]}

    @app.post("/v1/preprocess")
    async def preprocess_image(request: Request, dataset: DatasetName) -> Response:
        image = preprocess(await request.body(), dataset=dataset)
        return Response(to_uint8_image(image).tobytes(), media_type="application/octet-stream")

    @app.get("/v1/models/{version}/weights")
    async def weights(version: str, diff: bool = False) -> Response:
        entry = await figures.get(version, diff)
        return Response(entry.json, media_type="application/json")

    @app.get("/v1/models/{version}/weights/{figure}.png")
    async def weight_png(version: str, figure: str, diff: bool = False) -> Response:
        return Response(await figures.png(version, figure, diff), media_type="image/png")

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--artifacts", type=Path)
    args = parser.parse_args()
    registry = None
    if args.redis_url and args.artifacts:
        registry = ModelRegistry(connect(args.redis_url), args.artifacts)
    app = build(args.name, registry)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
