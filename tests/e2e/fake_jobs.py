"""Simulated registry and jobs for the fake gateway: enough behaviour for the page to show
progress over SSE, cancel, and see a newly published version appear and become active."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.responses import StreamingResponse

from spikeglyph.schemas import JobEvent, JobInfo, JobKind, JobProgress, JobState
from tests.e2e.fake_whatif import fake_activity

STEP_S = 0.12
STEPS_PER_EPOCH = 4


def _manifest(version: str, days_ago: float, parent: str | None, **extra: Any) -> dict[str, Any]:
    created = datetime.now(UTC) - timedelta(days=days_ago)
    return {
        "version": version,
        "active": False,
        "dataset": "mnist",
        "encoder": "direct",
        "timesteps": 8,
        "architecture": {"kind": "conv"},
        "metrics": {"accuracy": 0.981},
        "neurons": {"conv1": 6912, "conv2": 4096, "fc_out": 10},
        "parent": parent,
        "created_at": created.isoformat(),
        "variants": {"activity": fake_activity(8)},
        **extra,
    }


class FakeRegistry:
    """Model manifests in memory, one of them active."""

    def __init__(self) -> None:
        first = _manifest("mnist-conv-0001", 9, None, metrics={"accuracy": 0.9712})
        second = _manifest("mnist-conv-0002", 2, "mnist-conv-0001", metrics={"accuracy": 0.9874})
        self.models: dict[str, dict[str, Any]] = {m["version"]: m for m in (first, second)}
        self.active_version = second["version"]

    def listing(self) -> list[dict[str, Any]]:
        return [{**m, "active": v == self.active_version} for v, m in self.models.items()]

    def active(self) -> dict[str, Any]:
        return {**self.models[self.active_version], "active": True}

    def activate(self, version: str) -> bool:
        if version not in self.models:
            return False
        self.active_version = version
        return True

    def publish(self, manifest: dict[str, Any], activate: bool) -> None:
        self.models[manifest["version"]] = manifest
        if activate:
            self.active_version = manifest["version"]


@dataclass
class FakeJob:
    job_id: str
    kind: JobKind
    params: dict[str, Any]
    state: JobState = JobState.queued
    progress: JobProgress = field(default_factory=JobProgress)
    result: dict[str, Any] | None = None
    error: str | None = None
    cancel_requested: bool = False
    events: list[JobEvent] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def info(self) -> dict[str, Any]:
        info = JobInfo(
            job_id=self.job_id,
            kind=self.kind,
            state=self.state,
            progress=self.progress,
            result=self.result,
            error=self.error,
            params=self.params,
        )
        return info.model_dump(mode="json")

    def emit(self, kind: str) -> None:
        event = JobEvent.model_validate(
            {
                "job_id": self.job_id,
                "type": kind,
                "state": self.state,
                "progress": self.progress,
                "result": self.result,
                "error": self.error,
            }
        )
        self.events.append(event)
        self.changed.set()
        self.changed = asyncio.Event()


class FakeJobs:
    def __init__(self, registry: FakeRegistry) -> None:
        self.registry = registry
        self.jobs: dict[str, FakeJob] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def all(self) -> list[FakeJob]:
        return list(self.jobs.values())

    def get(self, job_id: str) -> FakeJob | None:
        return self.jobs.get(job_id)

    def start(self, kind: JobKind, params: dict[str, Any]) -> FakeJob:
        job = FakeJob(job_id=uuid.uuid4().hex[:12], kind=kind, params=params)
        self.jobs[job.job_id] = job
        job.emit("state")
        task = asyncio.get_running_loop().create_task(self._run(job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job

    async def _run(self, job: FakeJob) -> None:
        await asyncio.sleep(STEP_S)
        job.state = JobState.running
        job.emit("state")
        epochs = int(job.params.get("epochs") or job.params.get("finetune_epochs") or 1)
        loss, accuracy = 2.3, 0.1
        for epoch in range(1, epochs + 1):
            for step in range(1, STEPS_PER_EPOCH + 1):
                await asyncio.sleep(STEP_S)
                if job.cancel_requested:
                    job.state = JobState.cancelled
                    job.emit("final")
                    return
                loss *= 0.62
                accuracy += (0.985 - accuracy) * 0.45
                done = (epoch - 1) * STEPS_PER_EPOCH + step
                left = epochs * STEPS_PER_EPOCH - done
                job.progress = JobProgress(
                    phase="training",
                    epoch=epoch,
                    epochs=epochs,
                    step=step,
                    steps=STEPS_PER_EPOCH,
                    loss=round(loss, 4),
                    accuracy=round(accuracy, 4),
                    eta_s=round(left * STEP_S, 2),
                )
                job.emit("progress")
        job.progress = JobProgress(phase="publishing", epoch=epochs, epochs=epochs)
        job.emit("progress")
        await asyncio.sleep(STEP_S)
        job.result = self._publish(job, accuracy)
        job.state = JobState.succeeded
        job.emit("final")

    def _publish(self, job: FakeJob, accuracy: float) -> dict[str, Any]:
        if job.kind == JobKind.evaluate:
            return {"accuracy": round(accuracy, 4), "n": 1000}
        parent = job.params.get("base_version") or self.registry.active_version
        dataset = job.params.get("dataset") or self.registry.models[parent]["dataset"]
        version = f"{dataset}-{job.kind.value}-{len(self.registry.models) + 1:04d}"
        activate = bool(job.params.get("activate"))
        manifest = _manifest(
            version,
            0,
            parent if job.kind != JobKind.train else None,
            dataset=dataset,
            encoder=job.params.get("encoder") or "direct",
            timesteps=int(job.params.get("timesteps") or 8),
            metrics={"accuracy": round(accuracy, 4)},
        )
        self.registry.publish(manifest, activate)
        return {"version": version, "accuracy": round(accuracy, 4), "activated": activate}

    def event_stream(self, job: FakeJob) -> StreamingResponse:
        """Replays the job's events so far, then follows it until its final event."""

        async def stream() -> AsyncIterator[str]:
            # Named events with ids and a retry hint, as the gateway sends them.
            yield "retry: 2000\n\n"
            sent = 0
            while True:
                waiter = job.changed
                while sent < len(job.events):
                    event = job.events[sent]
                    sent += 1
                    body = json.dumps(event.model_dump(mode="json"))
                    yield f"id: {sent}\nevent: {event.type}\ndata: {body}\n\n"
                    if event.type == "final":
                        return
                try:
                    await asyncio.wait_for(waiter.wait(), timeout=5)
                except TimeoutError:
                    yield ": heartbeat\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
