"""Every endpoint of the API, written once: what to send, how to read the answer, and whether
sending it again is safe.

Each builder takes the public method's arguments and returns a :class:`Call`; the blocking and
the asyncio client turn builders into methods (:mod:`spikeglyph.client.endpoints`) and only
send what they are given, so the two clients cannot drift apart. Nothing here does I/O.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from spikeglyph.client.errors import raise_for_error
from spikeglyph.client.images import ImageInput, to_upload
from spikeglyph.modelarchive import pack
from spikeglyph.schemas import (
    BatchPrediction,
    FeedbackAccepted,
    JobAccepted,
    JobInfo,
    JobKind,
    ModelSummary,
    Prediction,
    RegistryEvent,
)
from spikeglyph.whatif import Occlusion, WhatIfAnswer

T = TypeVar("T")
API = "/api/v1"
Files = list[tuple[str, tuple[str, bytes, str]]]

PREDICTION = TypeAdapter(Prediction)
BATCH = TypeAdapter(BatchPrediction)
FEEDBACK = TypeAdapter(FeedbackAccepted)
JOB_ACCEPTED = TypeAdapter(JobAccepted)
JOB = TypeAdapter(JobInfo)
JOB_LIST = TypeAdapter(list[JobInfo])
MODEL = TypeAdapter(ModelSummary)
MODEL_LIST = TypeAdapter(list[ModelSummary])
REGISTRY_EVENT = TypeAdapter(RegistryEvent)
WHATIF = TypeAdapter(WhatIfAnswer)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its answer as a ``T``.

    ``idempotent`` says that sending the request twice leaves the server as sending it once
    would: only such a call is retried after a 429, a 503 or a lost connection. A call that
    creates something (feedback, a job) or moves a pointer (rollback) is sent exactly once.
    """

    method: str
    path: str
    read: Callable[[bytes], T]
    _: KW_ONLY
    idempotent: bool
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    files: Files | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    needs_key: bool = False

    def parse(self, response: httpx.Response) -> T:
        """Raise the API's error for an error answer, else read the body."""
        raise_for_error(response)
        return self.read(response.content)


def _compact(compact: bool) -> dict[str, str]:
    return {"compact": "true"} if compact else {}


def _quoted(segment: str) -> str:
    return quote(segment, safe="")


# --- predictions ------------------------------------------------------------------------------
def predict(image: ImageInput, *, compact: bool = False) -> Call[Prediction]:
    """Recognise one image (a path, encoded bytes, or an array PNG-encoded here)."""
    return Call(
        "POST",
        f"{API}/predict",
        PREDICTION.validate_json,
        idempotent=True,
        params=_compact(compact),
        files=[("file", to_upload(image))],
    )


def predict_batch(images: Sequence[ImageInput], *, compact: bool = False) -> Call[list[Prediction]]:
    """Recognise several images in one request; the answers keep the images' order."""
    return Call(
        "POST",
        f"{API}/predict/batch",
        lambda body: BATCH.validate_json(body).results,
        idempotent=True,
        params=_compact(compact),
        files=[("files", to_upload(image, f"image{i}")) for i, image in enumerate(images)],
    )


def predict_whatif(
    image: ImageInput,
    *,
    threshold_scale: float = 1.0,
    timesteps: int | None = None,
    encoder: str | None = None,
    seed: int | None = None,
    noise: float = 0.0,
    occlusion: Occlusion | Mapping[str, int] | None = None,
) -> Call[WhatIfAnswer]:
    """Recognise one image with the model's own settings and with the knobs turned: the
    threshold scale (0.25–4), time steps (1–16), encoder (``direct``, ``rate``, ``latency``),
    its ``seed``, Gaussian ``noise`` (0–1) and an ``occlusion`` rectangle of the 28×28 input.
    ``None`` keeps the model's own setting; a knob out of range is a 422 naming it."""
    _, data, _ = to_upload(image)
    body: dict[str, Any] = {
        "image": base64.b64encode(data).decode("ascii"),
        "threshold_scale": threshold_scale,
        "noise": noise,
    }
    optional = {"timesteps": timesteps, "encoder": encoder, "seed": seed}
    body.update({name: value for name, value in optional.items() if value is not None})
    if occlusion is not None:
        box = occlusion.model_dump() if isinstance(occlusion, Occlusion) else dict(occlusion)
        body["occlusion"] = box
    return Call("POST", f"{API}/predict/whatif", WHATIF.validate_json, idempotent=True, json=body)


def feedback(
    image: ImageInput, label: int, *, model_version: str | None = None, confirmed: bool = False
) -> Call[str]:
    """Send a correction (``confirmed=True``: a confirmation that the answer ``label`` was
    right); returns its ``feedback_id``.

    ``model_version`` names the version that answered (a prediction's ``model_version``); the
    gateway files the feedback under that model's dataset.
    """
    form = {"label": str(label)}
    if confirmed:
        form["confirmed"] = "true"
    if model_version is not None:
        form["model_version"] = model_version
    return Call(
        "POST",
        f"{API}/feedback",
        lambda body: FEEDBACK.validate_json(body).feedback_id,
        idempotent=False,  # a second send would store the correction twice
        files=[("file", to_upload(image))],
        data=form,
    )


# --- jobs -------------------------------------------------------------------------------------
def submit_job(
    kind: JobKind | str, params: Mapping[str, Any] | BaseModel | None = None
) -> Call[str]:
    """Queue a job (needs the API key); returns its ``job_id``."""
    if isinstance(params, BaseModel):
        body_params: Any = params.model_dump(mode="json", exclude_unset=True)
    else:
        body_params = dict(params or {})
    return Call(
        "POST",
        f"{API}/jobs",
        lambda body: JOB_ACCEPTED.validate_json(body).job_id,
        idempotent=False,  # a second send would queue a second job
        json={"kind": JobKind(kind).value, "params": body_params},
        needs_key=True,
    )


def job(job_id: str) -> Call[JobInfo]:
    """The job's current record: state, progress, result or error."""
    return Call("GET", f"{API}/jobs/{_quoted(job_id)}", JOB.validate_json, idempotent=True)


def jobs() -> Call[list[JobInfo]]:
    """The recent jobs."""
    return Call("GET", f"{API}/jobs", JOB_LIST.validate_json, idempotent=True)


def cancel_job(job_id: str) -> Call[JobInfo]:
    """Cancel a job (needs the API key); cancelling twice leaves it cancelled all the same."""
    path = f"{API}/jobs/{_quoted(job_id)}"
    return Call("DELETE", path, JOB.validate_json, idempotent=True, needs_key=True)


def job_events(job_id: str, last_event_id: str | None) -> Call[None]:
    """Open the job's event stream, resuming after ``last_event_id`` when one is given."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    path = f"{API}/jobs/{_quoted(job_id)}/events"
    return Call("GET", path, lambda _: None, idempotent=True, headers=headers)


# --- models -----------------------------------------------------------------------------------
def models() -> Call[list[ModelSummary]]:
    """Every published version."""
    return Call("GET", f"{API}/models", MODEL_LIST.validate_json, idempotent=True)


def active_model() -> Call[ModelSummary]:
    """The version the replicas serve."""
    return Call("GET", f"{API}/models/active", MODEL.validate_json, idempotent=True)


def activate(version: str) -> Call[RegistryEvent]:
    """Switch every replica to ``version`` (needs the API key); twice ends the same way."""
    path = f"{API}/models/{_quoted(version)}/activate"
    return Call("POST", path, REGISTRY_EVENT.validate_json, idempotent=True, needs_key=True)


def rollback() -> Call[RegistryEvent]:
    """Go back to the previously active version (needs the API key)."""
    path = f"{API}/models/rollback"
    # each call moves the pointer one version further back, so a retry would overshoot
    return Call("POST", path, REGISTRY_EVENT.validate_json, idempotent=False, needs_key=True)


def publish(model_dir: str | Path, *, activate: bool = False) -> Call[ModelSummary]:
    """Publish a model directory trained elsewhere as a new version (needs the API key);
    ``activate`` also switches every replica to it. The server verifies every file against the
    manifest before anything is stored."""
    archive = ("model.tar.gz", pack(Path(model_dir)), "application/gzip")
    params = {"activate": "true"} if activate else {}
    # a second upload of the same version is refused (409): never repeated blindly
    return Call(
        "POST",
        f"{API}/models",
        MODEL.validate_json,
        idempotent=False,
        needs_key=True,
        params=params,
        files=[("file", archive)],
    )
