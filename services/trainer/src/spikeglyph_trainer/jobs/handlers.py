"""Which parameter schema and which function serve each job kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spikeglyph.schemas import JOB_PARAMS, JobKind, Schema
from spikeglyph_trainer.jobs.context import JobContext
from spikeglyph_trainer.jobs.evaluate import run_evaluate
from spikeglyph_trainer.jobs.finetune import run_finetune
from spikeglyph_trainer.jobs.neurogenesis import run_neurogenesis
from spikeglyph_trainer.jobs.train import run_train

Handler = Callable[[JobContext, Any], dict[str, Any]]

JOB_HANDLERS: dict[JobKind, tuple[type[Schema], Handler]] = {
    JobKind.train: (JOB_PARAMS[JobKind.train], run_train),
    JobKind.finetune: (JOB_PARAMS[JobKind.finetune], run_finetune),
    JobKind.neurogenesis: (JOB_PARAMS[JobKind.neurogenesis], run_neurogenesis),
    JobKind.evaluate: (JOB_PARAMS[JobKind.evaluate], run_evaluate),
}
