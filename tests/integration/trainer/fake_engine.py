"""A training engine and evaluator without torch: valid model directories, scripted metrics.

It lets the in-process lifecycle tests drive every branch (progress, cancellation, the
finetune gate) in milliseconds; the real engine is exercised by the worker tests.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import numpy.typing as npt

from spikeglyph.errors import JobCancelled
from spikeglyph.modeldir import Manifest, load_manifest, write_model_dir
from spikeglyph.run_options import JobOptions
from spikeglyph.schemas import (
    FinetuneParams,
    JobProgress,
    NeurogenesisParams,
    TrainParams,
)


@dataclass
class FakeEngine:
    """Scripted accuracies: ``val[version_tag]`` and ``feedback_correct[version_tag]``."""

    steps: int = 5
    val: dict[str, float] = field(default_factory=lambda: {"base": 0.9, "new": 0.9})
    feedback_correct: dict[str, bool] = field(default_factory=lambda: {"base": False, "new": True})
    step_delay: threading.Event | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def _model(self, workdir: Path, tag: str, parent: str | None = None) -> Path:
        version = f"{tag}-{uuid.uuid4().hex[:8]}"
        manifest = Manifest(
            version=version,
            dataset="mnist",
            class_names=[str(i) for i in range(10)],
            architecture={"kind": "fc", "hidden": [8]},
            timesteps=2,
            parent=parent,
            metrics={"tag": tag},
            neurons={"fc1": 8},
        )
        target = workdir / "out" / version
        write_model_dir(
            target, manifest, {"model.onnx": version.encode(), "weights.safetensors": b"w"}
        )
        return target

    def _loop(self, epochs: int, run: JobOptions) -> None:
        progress, should_stop = run.get("progress"), run.get("should_stop")
        for epoch in range(1, epochs + 1):
            for step in range(1, self.steps + 1):
                if self.step_delay is not None:
                    self.step_delay.wait(0.05)
                if should_stop is not None and should_stop():
                    raise JobCancelled("stopped")
                if progress is not None:
                    progress(
                        JobProgress(
                            phase="training",
                            epoch=epoch,
                            epochs=epochs,
                            step=step,
                            steps=self.steps,
                            loss=1.0 / step,
                            accuracy=0.5,
                        )
                    )

    def train(self, params: TrainParams, **run: Unpack[JobOptions]) -> Path:
        self.calls.append(("train", {"workdir": run["workdir"]}))
        (run["workdir"] / "checkpoints").mkdir(parents=True, exist_ok=True)
        self._loop(params.recipe().epochs, run)
        return self._model(run["workdir"], "base")

    def finetune(
        self,
        base_dir: Path,
        images: npt.NDArray[np.uint8],
        labels: npt.NDArray[np.int64],
        *,
        params: FinetuneParams,
        **run: Unpack[JobOptions],
    ) -> Path:
        self.calls.append(("finetune", {"n": len(labels), "labels": labels.tolist()}))
        self._loop(params.epochs, run)
        return self._model(run["workdir"], "new", parent=load_manifest(base_dir).version)

    def neurogenesis(
        self, base_dir: Path, *, params: NeurogenesisParams, **run: Unpack[JobOptions]
    ) -> Path:
        self._loop(1, run)
        return self._model(run["workdir"], "grown", parent=load_manifest(base_dir).version)

    # --- the Evaluator side: scripted accuracies instead of running ONNX graphs -----------------
    def evaluate(
        self,
        model_dir: Path,
        *,
        data_dir: Path,
        dataset: str | None,
        split: str,
        max_samples: int | None,
    ) -> dict[str, Any]:
        tag = load_manifest(model_dir).metrics["tag"]
        return {"accuracy": self.val[tag], "n": max_samples or 1000, "per_class": []}

    def accuracy_on(
        self, model_dir: Path, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]
    ) -> float:
        """Right answers are encoded in the image: pixel [0, 0] holds the label."""
        tag = load_manifest(model_dir).metrics["tag"]
        truth = images[:, 0, 0].astype(np.int64)
        predicted = truth if self.feedback_correct[tag] else (truth + 1) % 10
        return float(np.mean(predicted == labels))
