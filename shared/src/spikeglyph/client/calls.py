"""The API calls, described once for the sync and the async client.

Each builder returns a :class:`Call` (what to send); each client sends it its own way and
hands the answer to :func:`parse`. Keeping the two clients as thin senders means they cannot
drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from spikeglyph.client.errors import raise_for_error
from spikeglyph.client.images import ImageInput, to_upload
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

T = TypeVar("T")
API = "/api/v1"
Files = list[tuple[str, tuple[str, bytes, str]]]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    files: Files | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    needs_key: bool = False


def parse(response: httpx.Response, adapter: TypeAdapter[T]) -> T:
    """Raise on an error answer, else validate the body with ``adapter``."""
    raise_for_error(response)
    return adapter.validate_json(response.content)


def compact_params(compact: bool) -> dict[str, str]:
    return {"compact": "true"} if compact else {}


def predict(image: ImageInput, compact: bool) -> Call:
    return Call(
        "POST", f"{API}/predict", compact_params(compact), files=[("file", to_upload(image))]
    )


def predict_batch(images: Sequence[ImageInput], compact: bool) -> Call:
    files = [("files", to_upload(image, f"image{i}")) for i, image in enumerate(images)]
    return Call("POST", f"{API}/predict/batch", compact_params(compact), files=files)


def feedback(image: ImageInput, label: int) -> Call:
    return Call(
        "POST", f"{API}/feedback", files=[("file", to_upload(image))], data={"label": str(label)}
    )


def submit_job(kind: JobKind | str, params: Mapping[str, Any] | BaseModel | None) -> Call:
    if isinstance(params, BaseModel):
        body_params: Any = params.model_dump(mode="json", exclude_unset=True)
    else:
        body_params = dict(params or {})
    body = {"kind": JobKind(kind).value, "params": body_params}
    return Call("POST", f"{API}/jobs", json=body, needs_key=True)


def job(job_id: str) -> Call:
    return Call("GET", f"{API}/jobs/{quote(job_id, safe='')}")


def jobs() -> Call:
    return Call("GET", f"{API}/jobs")


def cancel_job(job_id: str) -> Call:
    return Call("DELETE", f"{API}/jobs/{quote(job_id, safe='')}", needs_key=True)


def job_events(job_id: str, last_event_id: str | None) -> Call:
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    return Call("GET", f"{API}/jobs/{quote(job_id, safe='')}/events", headers=headers)


def models() -> Call:
    return Call("GET", f"{API}/models")


def active_model() -> Call:
    return Call("GET", f"{API}/models/active")


def activate(version: str) -> Call:
    return Call("POST", f"{API}/models/{quote(version, safe='')}/activate", needs_key=True)


def rollback() -> Call:
    return Call("POST", f"{API}/models/rollback", needs_key=True)


PREDICTION = TypeAdapter(Prediction)
BATCH = TypeAdapter(BatchPrediction)
FEEDBACK = TypeAdapter(FeedbackAccepted)
JOB_ACCEPTED = TypeAdapter(JobAccepted)
JOB = TypeAdapter(JobInfo)
JOB_LIST = TypeAdapter(list[JobInfo])
MODEL = TypeAdapter(ModelSummary)
MODEL_LIST = TypeAdapter(list[ModelSummary])
REGISTRY_EVENT = TypeAdapter(RegistryEvent)
