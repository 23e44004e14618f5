"""A stand-in inference replica: the same routes and shapes, no model.

It lets the routing tests run without a trained network and makes the answers traceable: the
``model_version`` is the replica's name and ``label`` says which body form arrived.
Run: ``python -m tests.integration.gateway.fake_inference --port P --name N``.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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


def build(name: str) -> FastAPI:
    app = FastAPI()

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

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    uvicorn.run(build(args.name), host="127.0.0.1", port=args.port, log_level="warning")
