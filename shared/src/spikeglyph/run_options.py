"""The keyword arguments of the whole-job functions of :mod:`spikeglyph.train.api`.

Named once, torch-free, so that everything passing them through (``train`` choosing a model
family, the trainer worker's engine and its jobs) types them without restating them, and
without importing the training extra.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Required, TypedDict

from spikeglyph.schemas import JobProgress

ProgressFn = Callable[[JobProgress], None]
StopFn = Callable[[], bool]


class JobOptions(TypedDict, total=False):
    """Where and how a training job (train, finetune, neurogenesis) runs.

    ``data_dir``: the datasets; ``workdir``: the job's resumable state and its model
    directory; ``device``: ``"auto"``, ``"cpu"`` or ``"cuda"``; ``progress``: called with
    :class:`~spikeglyph.schemas.JobProgress` reports; ``should_stop``: polled every few
    batches, true cancels the job; ``version``: the new model's name (None: a fresh one);
    ``tensorboard``: a directory to write the run's TensorBoard event files to (None: none).
    """

    data_dir: Required[Path]
    workdir: Required[Path]
    device: str
    progress: ProgressFn | None
    should_stop: StopFn | None
    version: str | None
    tensorboard: Path | None


class TrainOptions(JobOptions, total=False):
    """A ``train`` job's options, plus ``report_test``: also measure the test split once the
    model is chosen (reported in the manifest, never used for a choice)."""

    report_test: bool
