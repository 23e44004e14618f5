"""Progress reporting: ETA estimates, throttling, and the cancel check."""

from __future__ import annotations

import pytest

from spikeglyph.schemas import JobProgress
from spikeglyph_trainer.progress import ProgressReporter, StopCheck, estimate_eta


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_eta_extrapolates_over_all_epochs() -> None:
    # Half of epoch 1 of 2 done in 10 s: a quarter of the job, 30 s left.
    progress = JobProgress(phase="training", epoch=1, epochs=2, step=50, steps=100)
    assert estimate_eta(progress, 10.0) == pytest.approx(30.0)


def test_eta_is_unknown_before_any_step() -> None:
    assert estimate_eta(JobProgress(phase="training"), 5.0) is None


def test_updates_are_throttled_but_phase_changes_and_epoch_ends_always_go_out() -> None:
    clock = Clock()
    seen: list[JobProgress] = []
    reporter = ProgressReporter([seen.append], interval_s=1.0, clock=clock)
    for step in range(1, 11):
        clock.now += 0.05
        reporter.report(JobProgress(phase="training", epoch=1, epochs=1, step=step, steps=10))
    assert [p.step for p in seen] == [1, 10]
    reporter.phase("publishing")
    assert seen[-1].phase == "publishing"
    assert seen[1].eta_s == pytest.approx(0.0)


def test_stop_check_polls_at_most_once_per_interval_and_stays_stopped() -> None:
    clock = Clock()
    calls: list[int] = []
    flag = {"cancel": False}

    def cancelled() -> bool:
        calls.append(1)
        return flag["cancel"]

    stop = StopCheck([cancelled], interval_s=1.0, clock=clock)
    assert not stop()
    assert not stop()
    assert len(calls) == 1
    flag["cancel"] = True
    clock.now = 2.0
    assert stop()
    flag["cancel"] = False
    clock.now = 4.0
    assert stop()
