"""The seam between the job logic and the torch training code.

Job functions talk to a :class:`TrainingEngine`; the worker uses :class:`TorchEngine`, which
imports ``spikeglyph.train.api`` (and so torch) only on the first call. That call happens
inside the pool child that runs the job, after the fork, so the parent worker process never
initialises torch or CUDA (CUDA is not fork-safe).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from spikeglyph.errors import InvalidJobParams
from spikeglyph.schemas import FinetuneParams, JobProgress, NeurogenesisParams, TrainParams

ProgressFn = Callable[[JobProgress], None]
StopFn = Callable[[], bool]


class TrainingEngine(Protocol):
    """What the jobs need from a training library (signatures of ``spikeglyph.train.api``)."""

    def train(
        self,
        params: TrainParams,
        *,
        data_dir: Path,
        workdir: Path,
        device: str,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        version: str | None,
    ) -> Path: ...

    def finetune(
        self,
        base_dir: Path,
        images: npt.NDArray[np.uint8],
        labels: npt.NDArray[np.int64],
        *,
        data_dir: Path,
        params: FinetuneParams,
        workdir: Path,
        device: str,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        version: str | None,
    ) -> Path: ...

    def neurogenesis(
        self,
        base_dir: Path,
        *,
        data_dir: Path,
        params: NeurogenesisParams,
        workdir: Path,
        device: str,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        version: str | None,
    ) -> Path: ...

    def evaluate(
        self,
        model_dir: Path,
        *,
        data_dir: Path,
        dataset: str,
        split: str,
        max_samples: int | None,
        device: str,
    ) -> dict[str, Any]: ...

    def accuracy_on(
        self, model_dir: Path, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]
    ) -> float: ...


class TorchEngine:
    """:class:`TrainingEngine` backed by ``spikeglyph.train.api``, imported on first use."""

    def __init__(self) -> None:
        self._module: ModuleType | None = None

    @property
    def api(self) -> Any:
        if self._module is None:
            import importlib

            self._module = importlib.import_module("spikeglyph.train.api")
        return self._module

    def train(
        self,
        params: TrainParams,
        *,
        data_dir: Path,
        workdir: Path,
        device: str,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        version: str | None,
    ) -> Path:
        return Path(
            self.api.train(
                params,
                data_dir=data_dir,
                workdir=workdir,
                device=device,
                progress=progress,
                should_stop=should_stop,
                version=version,
            )
        )

    def finetune(
        self,
        base_dir: Path,
        images: npt.NDArray[np.uint8],
        labels: npt.NDArray[np.int64],
        *,
        data_dir: Path,
        params: FinetuneParams,
        workdir: Path,
        device: str,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        version: str | None,
    ) -> Path:
        return Path(
            self.api.finetune(
                base_dir,
                images,
                labels,
                data_dir=data_dir,
                params=params,
                workdir=workdir,
                device=device,
                progress=progress,
                should_stop=should_stop,
                version=version,
            )
        )

    def neurogenesis(
        self,
        base_dir: Path,
        *,
        data_dir: Path,
        params: NeurogenesisParams,
        workdir: Path,
        device: str,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        version: str | None,
    ) -> Path:
        if not hasattr(self.api, "neurogenesis"):
            raise InvalidJobParams("neurogenesis is not available in this version of SpikeGlyph")
        return Path(
            self.api.neurogenesis(
                base_dir,
                data_dir=data_dir,
                params=params,
                workdir=workdir,
                device=device,
                progress=progress,
                should_stop=should_stop,
                version=version,
            )
        )

    def evaluate(
        self,
        model_dir: Path,
        *,
        data_dir: Path,
        dataset: str,
        split: str,
        max_samples: int | None,
        device: str,
    ) -> dict[str, Any]:
        result: dict[str, Any] = self.api.evaluate(
            model_dir,
            data_dir=data_dir,
            dataset=dataset,
            split=split,
            max_samples=max_samples,
            device=device,
        )
        return result

    def accuracy_on(
        self, model_dir: Path, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]
    ) -> float:
        """Accuracy (0..1) on given uint8 28×28 images, e.g. held-out feedback."""
        return float(self.api.accuracy_on(model_dir, images, labels))
