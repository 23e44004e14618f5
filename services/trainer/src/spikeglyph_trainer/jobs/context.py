"""What every job function receives: its id, work directory, stores, engine and reporters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spikeglyph.run_options import JobOptions
from spikeglyph.stores import FeedbackStore, ModelRegistry
from spikeglyph_trainer.engine import StopFn, TrainingEngine
from spikeglyph_trainer.evaluator import Evaluator
from spikeglyph_trainer.progress import ProgressReporter
from spikeglyph_trainer.settings import TrainerSettings


@dataclass(frozen=True)
class JobContext:
    job_id: str
    settings: TrainerSettings
    engine: TrainingEngine
    evaluator: Evaluator
    registry: ModelRegistry
    feedback: FeedbackStore
    workdir: Path
    reporter: ProgressReporter
    should_stop: StopFn

    @property
    def device(self) -> str:
        return self.settings.device

    def job_options(self) -> JobOptions:
        """How the engine runs this job: on the configured data and device, in the job's
        work directory, reporting progress and polling cancellation, logging to TensorBoard
        (the engine names the new version)."""
        return {
            "data_dir": self.settings.data_dir,
            "workdir": self.workdir,
            "device": self.device,
            "progress": self.reporter.report,
            "should_stop": self.should_stop,
            "version": None,
            "tensorboard": self.settings.job_tensorboard_dir(self.job_id),
        }
