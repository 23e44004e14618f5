"""The seam between the job logic and the torch training code.

Job functions that train talk to a :class:`TrainingEngine` (evaluation needs no torch: it
runs the served ONNX graph, see :mod:`spikeglyph.evaluation`); the worker uses
:class:`TorchEngine`, which imports ``spikeglyph.train.api`` (and so torch) only on the first
call. That call happens inside the pool child that runs the job, after the fork, so the parent
worker process never initialises torch or CUDA (CUDA is not fork-safe).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, Unpack

import numpy as np
import numpy.typing as npt

from spikeglyph.errors import InvalidJobParams
from spikeglyph.run_options import JobOptions, ProgressFn, StopFn
from spikeglyph.schemas import FinetuneParams, NeurogenesisParams, TrainParams

__all__ = ["ProgressFn", "StopFn", "TorchEngine", "TrainingEngine"]


class TrainingEngine(Protocol):
    """What the jobs need from a training library (signatures of ``spikeglyph.train.api``;
    the keyword arguments of a job are :class:`~spikeglyph.run_options.JobOptions`)."""

    def train(self, params: TrainParams, **run: Unpack[JobOptions]) -> Path: ...

    def finetune(
        self,
        base_dir: Path,
        images: npt.NDArray[np.uint8],
        labels: npt.NDArray[np.int64],
        *,
        params: FinetuneParams,
        **run: Unpack[JobOptions],
    ) -> Path: ...

    def neurogenesis(
        self, base_dir: Path, *, params: NeurogenesisParams, **run: Unpack[JobOptions]
    ) -> Path: ...


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

    def train(self, params: TrainParams, **run: Unpack[JobOptions]) -> Path:
        return Path(self.api.train(params, **run))

    def finetune(
        self,
        base_dir: Path,
        images: npt.NDArray[np.uint8],
        labels: npt.NDArray[np.int64],
        *,
        params: FinetuneParams,
        **run: Unpack[JobOptions],
    ) -> Path:
        return Path(self.api.finetune(base_dir, images, labels, params=params, **run))

    def neurogenesis(
        self, base_dir: Path, *, params: NeurogenesisParams, **run: Unpack[JobOptions]
    ) -> Path:
        if not hasattr(self.api, "neurogenesis"):
            raise InvalidJobParams("neurogenesis is not available in this version of SpikeGlyph")
        return Path(self.api.neurogenesis(base_dir, params=params, **run))
