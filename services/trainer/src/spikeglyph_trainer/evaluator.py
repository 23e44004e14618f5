"""How jobs measure a model: the served ONNX graph, for every family that can be activated.

The ``evaluate`` job and the fine-tune gate need accuracies, not training, so they do not go
through the torch :class:`~spikeglyph_trainer.engine.TrainingEngine`: they run the version's
ONNX graph with ONNX Runtime (:mod:`spikeglyph.evaluation`), exactly as inference serves it.
STDP and fixed-point versions are measured like surrogate-gradient ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from spikeglyph import evaluation


class Evaluator(Protocol):
    def evaluate(
        self,
        model_dir: Path,
        *,
        data_dir: Path,
        dataset: str | None,
        split: str,
        max_samples: int | None,
    ) -> dict[str, Any]:
        """Scores on a dataset split: at least ``accuracy`` (0..1) and ``n``."""
        ...

    def accuracy_on(
        self, model_dir: Path, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]
    ) -> float:
        """Accuracy (0..1) on given uint8 28×28 images, e.g. held-out feedback."""
        ...


class OnnxEvaluator:
    """:class:`Evaluator` running the served graph on the CPU (quick at these sizes, and the
    same on a GPU worker whose ONNX Runtime has no CUDA provider)."""

    def evaluate(
        self,
        model_dir: Path,
        *,
        data_dir: Path,
        dataset: str | None,
        split: str,
        max_samples: int | None,
    ) -> dict[str, Any]:
        return evaluation.evaluate_split(
            model_dir, data_dir=data_dir, dataset=dataset, split=split, max_samples=max_samples
        )

    def accuracy_on(
        self, model_dir: Path, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]
    ) -> float:
        return evaluation.accuracy_on(model_dir, images, labels)
