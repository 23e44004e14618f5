"""A fake SpikeGlyph gateway for the browser tests: serves ``frontend/`` at ``/`` and answers
``/api/v1`` with the real shapes (``spikeglyph.schemas``) and the real error body.

Jobs are simulated: a few progress events, then a final event that publishes a new version.
Predictions wait ``--predict-delay`` seconds so real-time mode has a chance to overlap requests,
and ``/_fake/stats`` reports how many predict requests were ever in flight at once.

Run: ``python -m tests.e2e.fake_api --port 8765 [--api-key KEY] [--predict-delay 0.25]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from spikeglyph.errors import (
    ImageTooLarge,
    InvalidFeedback,
    InvalidImage,
    InvalidJobParams,
    InvalidRequest,
    JobNotFound,
    MissingApiKey,
    ModelNotFound,
    SpikeGlyphError,
    WrongApiKey,
)
from spikeglyph.schemas import JobKind, JobSubmit
from tests.e2e.fake_inference import FakeModel, load_centroids, predict
from tests.e2e.fake_jobs import FakeJobs, FakeRegistry
from tests.e2e.fake_weights import install_weights
from tests.e2e.fake_whatif import add_whatif_route

REPO = Path(__file__).resolve().parents[2]
# The gateway's Content-Security-Policy for the app: a page that breaks it fails the tests.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def refuse(exc: SpikeGlyphError) -> JSONResponse:
    """The real error body, with the status and code the error class declares."""
    body = {"error": {"code": exc.code, "message": exc.message}}
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


class PredictStats:
    """What the tests check about the traffic the page sent."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.ink: list[float] = []
        self.feedback: list[dict[str, Any]] = []

    def as_dict(self) -> dict[str, Any]:
        return {
            "predict_calls": self.calls,
            "max_in_flight": self.max_in_flight,
            "ink": self.ink,
            "feedback": self.feedback,
        }


async def read_image(request: Request, max_bytes: int) -> bytes:
    """The image of a predict/feedback request: multipart ``file``, JSON or a raw body."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise ImageTooLarge(f"Uploads are limited to {max_bytes / 1e6:g} MB.")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidRequest("Send the image in the multipart field `file`.")
        return await upload.read()
    body = await request.body()
    if content_type.startswith("application/json"):
        image = str(json.loads(body).get("image", ""))
        return base64.b64decode(image.split(",", 1)[-1])
    return body


def create_app(frontend: Path, api_key: str, predict_delay: float, max_bytes: int) -> FastAPI:
    app = FastAPI(title="SpikeGlyph (fake gateway for browser tests)")
    data_dir = Path(os.environ.get("SPIKEGLYPH_DATA_DIR", REPO / "var" / "datasets"))
    centroids = {name: load_centroids(data_dir, name) for name in ("mnist", "fashion-mnist")}
    registry = FakeRegistry()
    jobs = FakeJobs(registry)
    stats = PredictStats()

    def active_model() -> FakeModel:
        manifest = registry.active()
        return FakeModel(
            version=manifest["version"],
            dataset=manifest["dataset"],
            encoder=manifest["encoder"],
            timesteps=manifest["timesteps"],
            centroids=centroids[manifest["dataset"]],
        )

    def check_key(request: Request) -> JSONResponse | None:
        given = request.headers.get("x-api-key")
        if not given:
            return refuse(MissingApiKey("This route needs an X-API-Key header."))
        if given != api_key:
            return refuse(WrongApiKey("The API key is not valid."))
        return None

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.exception_handler(SpikeGlyphError)
    async def domain_error(_: Request, exc: SpikeGlyphError) -> JSONResponse:
        return refuse(exc)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/predict")
    async def predict_route(request: Request) -> JSONResponse:
        started = time.perf_counter()
        stats.calls += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            data = await read_image(request, max_bytes)
            await asyncio.sleep(predict_delay)
            answer = predict(active_model(), data)
        finally:
            stats.in_flight -= 1
        stats.ink.append(float(sum(sum(row) for row in answer["input"] or [])))
        answer["latency_ms"]["queue"] = predict_delay * 1000
        answer["latency_ms"]["total"] = (time.perf_counter() - started) * 1000
        answer["latency_ms"]["gateway"] = 0.4
        return JSONResponse(answer)

    add_whatif_route(app, active_model)

    @app.post("/api/v1/feedback", status_code=202)
    async def feedback(request: Request) -> JSONResponse:
        form = await request.form()
        label = str(form.get("label", ""))
        upload = form.get("file")
        if not label.isdigit() or not 0 <= int(label) <= 9:
            return refuse(InvalidFeedback("`label` must be a class index 0–9."))
        if upload is None or isinstance(upload, str):
            return refuse(InvalidImage("Send the image in the multipart field `file`."))
        predict(active_model(), await upload.read())  # refuses what is not an image
        item = {"feedback_id": f"fb-{len(stats.feedback) + 1:04d}", "label": int(label)}
        stats.feedback.append(item)
        return JSONResponse({"feedback_id": item["feedback_id"]}, status_code=202)

    @app.post("/api/v1/jobs", status_code=202)
    async def submit(request: Request, body: JobSubmit) -> JSONResponse:
        if refused := check_key(request):
            return refused
        try:
            params = body.typed_params().model_dump()
        except ValueError as exc:
            return refuse(InvalidJobParams(str(exc).splitlines()[0]))
        job = jobs.start(JobKind(body.kind), params)
        return JSONResponse({"job_id": job.job_id}, status_code=202)

    @app.get("/api/v1/jobs")
    async def list_jobs() -> list[dict[str, Any]]:
        return [job.info() for job in jobs.all()]

    @app.get("/api/v1/jobs/{job_id}", response_model=None)
    async def get_job(job_id: str) -> dict[str, Any] | JSONResponse:
        job = jobs.get(job_id)
        return job.info() if job else refuse(JobNotFound(f"No job {job_id}."))

    @app.delete("/api/v1/jobs/{job_id}", response_model=None)
    async def cancel(request: Request, job_id: str) -> dict[str, Any] | JSONResponse:
        if refused := check_key(request):
            return refused
        job = jobs.get(job_id)
        if job is None:
            return refuse(JobNotFound(f"No job {job_id}."))
        job.cancel_requested = True
        return job.info()

    @app.get("/api/v1/jobs/{job_id}/events", response_model=None)
    async def events(job_id: str) -> Response:
        job = jobs.get(job_id)
        if job is None:
            return refuse(JobNotFound(f"No job {job_id}."))
        return jobs.event_stream(job)

    @app.get("/api/v1/models")
    async def models() -> list[dict[str, Any]]:
        return registry.listing()

    @app.get("/api/v1/models/active")
    async def active() -> dict[str, Any]:
        return registry.active()

    @app.post("/api/v1/models/{version}/activate", response_model=None)
    async def activate(request: Request, version: str) -> dict[str, Any] | JSONResponse:
        if refused := check_key(request):
            return refused
        if not registry.activate(version):
            return refuse(ModelNotFound(f"No model version {version}."))
        return registry.active()

    install_weights(app, registry)

    @app.get("/_fake/stats")
    async def fake_stats() -> dict[str, Any]:
        return stats.as_dict()

    @app.post("/_fake/reset")
    async def fake_reset() -> dict[str, str]:
        stats.reset()
        return {"status": "reset"}

    app.mount("/", StaticFiles(directory=frontend, html=True), name="frontend")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--frontend", type=Path, default=REPO / "frontend")
    parser.add_argument("--api-key", default="e2e-test-key-0123456789")
    parser.add_argument("--predict-delay", type=float, default=0.25)
    parser.add_argument("--max-upload-mb", type=float, default=10.0)
    args = parser.parse_args()
    app = create_app(args.frontend, args.api_key, args.predict_delay, int(args.max_upload_mb * 1e6))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
