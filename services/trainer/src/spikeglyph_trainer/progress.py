"""Progress reporting and cooperative cancellation for one running job.

Training loops call ``report`` after every batch and ``should_stop`` every few batches; both
are cheap because Redis is touched at most every ``interval_s``. Progress goes to the job
store (whose events the gateway relays as SSE) and to Celery's own task state (``PROGRESS``)
for Celery-native tools such as Flower.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from spikeglyph.schemas import JobProgress

Sink = Callable[[JobProgress], None]


def estimate_eta(progress: JobProgress, elapsed_s: float) -> float | None:
    """Seconds left, extrapolated from the fraction of all steps of all epochs done so far."""
    if not progress.steps or progress.step is None:
        return None
    epochs = progress.epochs or 1
    epoch = progress.epoch or 1
    done = ((epoch - 1) * progress.steps + progress.step) / (epochs * progress.steps)
    if done <= 0 or elapsed_s <= 0:
        return None
    return max(0.0, elapsed_s * (1 - done) / done)


class ProgressReporter:
    """Throttles progress updates and fills in the ETA when the trainer does not."""

    def __init__(
        self,
        sinks: list[Sink],
        *,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sinks = sinks
        self._interval_s = interval_s
        self._clock = clock
        self._started = clock()
        self._last_sent = float("-inf")
        self._last_phase: str | None = None
        self.last: JobProgress | None = None

    def report(self, progress: JobProgress) -> None:
        now = self._clock()
        if progress.eta_s is None:
            progress = progress.model_copy(
                update={"eta_s": estimate_eta(progress, now - self._started)}
            )
        self.last = progress
        end_of_epoch = progress.steps is not None and progress.step == progress.steps
        if (
            progress.phase != self._last_phase
            or end_of_epoch
            or now - self._last_sent >= self._interval_s
        ):
            self._last_sent = now
            self._last_phase = progress.phase
            for sink in self._sinks:
                sink(progress)

    def phase(self, phase: str, message: str | None = None) -> None:
        """Announce a new phase (evaluating, publishing...) without step counts."""
        self.report(JobProgress(phase=phase, message=message))


class StopCheck:
    """``should_stop`` for the training loop: a cancel request or a lost lease."""

    def __init__(
        self,
        checks: list[Callable[[], bool]],
        *,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = checks
        self._interval_s = interval_s
        self._clock = clock
        self._last_checked = float("-inf")
        self._stop = False

    def __call__(self) -> bool:
        if self._stop:
            return True
        now = self._clock()
        if now - self._last_checked >= self._interval_s:
            self._last_checked = now
            self._stop = any(check() for check in self._checks)
        return self._stop
