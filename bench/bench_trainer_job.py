"""Wall-clock time of one training job through the real Celery worker.

Starts a private ``redis-server`` and one ``spikeglyph-worker`` (prefork, concurrency 1) in a
temporary directory, submits a ``train`` job exactly as the gateway does (job record, then
``send_task`` by name), and reports:

* worker start-up (process start → "ready");
* queue wait (submitted → state ``running``), which includes the pool child's first import of
  torch and the dataset load;
* run time (``running`` → ``succeeded``): training, validation, ONNX export with the parity
  check, and publishing into the registry;
* the trainer's own ``train_seconds`` and samples/s from the manifest metrics.

Target (issue 4): a 1-epoch MNIST job on 5,000 samples finishes in under 2 minutes on CPU.
That scenario (:data:`TARGET`) is the only thing the job is told; everything else is the job's
default (the training recipe), and the report records the full recipe the job trained.

    SPIKEGLYPH_DATA_DIR=/work/shared/datasets .venv/bin/python bench/bench_trainer_job.py
        [--dataset D] [--arch A] [--timesteps T] [--epochs E] [--max-samples N] [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from _common import add_out_argument, emit
from celery import Celery

from spikeglyph.job_queue import QUEUE, TASK_NAMES, celery_config
from spikeglyph.schemas import JobKind, JobState, TrainParams
from spikeglyph.stores import JobStore, connect

WORKER = Path(sys.executable).with_name("spikeglyph-worker")
# Issue 4's scenario: a 1-epoch job on 5,000 samples (the rest is the job's default recipe).
TARGET = {"epochs": 1, "max_samples": 5000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], object], timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # the server may not be up yet
            pass
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("SPIKEGLYPH_DATA_DIR"))
    parser.add_argument("--dataset", choices=["mnist", "fashion-mnist"])
    parser.add_argument("--arch", choices=["conv", "fc"])
    parser.add_argument("--timesteps", type=int)
    parser.add_argument("--epochs", type=int, default=TARGET["epochs"])
    parser.add_argument("--max-samples", type=int, default=TARGET["max_samples"])
    parser.add_argument("--timeout", type=float, default=600)
    add_out_argument(parser, "trainer_job")
    args = parser.parse_args()
    if args.data_dir is None:
        parser.error("set SPIKEGLYPH_DATA_DIR or pass --data-dir")

    root = Path(tempfile.mkdtemp(prefix="bench-trainer-"))
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis_server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(root),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        client = connect(url)
        wait_for(client.ping, 10, "redis")
        env = {
            **os.environ,
            "SPIKEGLYPH_REDIS_URL": url,
            "SPIKEGLYPH_ARTIFACTS_DIR": str(root / "artifacts"),
            "SPIKEGLYPH_DATA_DIR": str(args.data_dir),
            "SPIKEGLYPH_WORK_DIR": str(root / "jobs"),
            "SPIKEGLYPH_DEVICE": "cpu",
        }
        log_path = root / "worker.log"
        started = time.monotonic()
        worker = subprocess.Popen(
            [str(WORKER)],
            env=env,
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready_s = wait_for(
            lambda: " ready." in log_path.read_text(errors="replace"), 120, "worker ready"
        )
        jobs = JobStore(client)
        celery = Celery("bench")
        celery.conf.update(celery_config(url))
        given = {
            "dataset": args.dataset,
            "arch": args.arch,
            "epochs": args.epochs,
            "timesteps": args.timesteps,
            "max_samples": args.max_samples,
        }
        params = {name: value for name, value in given.items() if value is not None}
        job_id = uuid.uuid4().hex
        jobs.create(job_id, JobKind.train, params)
        submitted = time.monotonic()
        celery.send_task(
            TASK_NAMES[JobKind.train],
            kwargs={"job_id": job_id, "params": params},
            task_id=job_id,
            queue=QUEUE,
        )
        queued_s = wait_for(
            lambda: jobs.get(job_id).state is not JobState.queued, args.timeout, "running"
        )
        total_s = wait_for(lambda: jobs.get(job_id).state.finished, args.timeout, "the end")
        info = jobs.get(job_id)
        metrics = (info.result or {}).get("metrics", {})
        report = {
            "params": params,
            "recipe": TrainParams.model_validate(params).recipe().to_dict(),
            "state": info.state.value,
            "error": info.error,
            "worker_ready_s": round(ready_s, 2),
            "queued_to_running_s": round(queued_s, 2),
            "job_total_s": round(time.monotonic() - submitted, 2),
            "running_to_done_s": round(total_s, 2),
            "train_seconds": metrics.get("train_seconds"),
            "train_samples_per_s": metrics.get("train_samples_per_s"),
            "val_accuracy": metrics.get("val_accuracy"),
            "version": (info.result or {}).get("version"),
            "process_start_to_done_s": round(time.monotonic() - started, 2),
        }
        emit("trainer_job", report, out=args.out)
        if info.state is not JobState.succeeded:
            raise SystemExit(1)
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        redis_server.terminate()
        redis_server.wait(10)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
