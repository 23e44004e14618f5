"""Job state rules: what an update may change and which event it announces."""

from __future__ import annotations

import pytest

from spikeglyph.errors import InvalidJobParams, InvalidJobTransition, JobNotFound
from spikeglyph.schemas import JobInfo, JobProgress, JobState
from spikeglyph.stores.job_transitions import apply_update, check_job_id, new_job


def job(state: JobState = JobState.queued) -> JobInfo:
    return new_job("job-1", "train", {"epochs": 1}).model_copy(update={"state": state})


def test_state_change_announces_a_state_event() -> None:
    updated, event = apply_update(job(), state=JobState.running)
    assert updated.state is JobState.running
    assert event is not None and (event.type, event.state) == ("state", JobState.running)


def test_progress_only_announces_a_progress_event() -> None:
    progress = JobProgress(phase="training", epoch=1, epochs=3, loss=0.5)
    updated, event = apply_update(job(JobState.running), progress=progress)
    assert updated.progress == progress
    assert event is not None and event.type == "progress" and event.progress == progress


@pytest.mark.parametrize("final", [JobState.succeeded, JobState.failed, JobState.cancelled])
def test_finishing_announces_a_final_event(final: JobState) -> None:
    _, event = apply_update(job(JobState.running), state=final, result={"version": "v1"})
    assert event is not None and event.type == "final" and event.result == {"version": "v1"}


def test_running_again_is_allowed_for_a_resumed_job() -> None:
    updated, event = apply_update(job(JobState.running), state=JobState.running)
    assert updated.state is JobState.running and event is not None and event.type == "progress"


@pytest.mark.parametrize("final", [JobState.succeeded, JobState.failed, JobState.cancelled])
def test_a_finished_job_never_changes_again(final: JobState) -> None:
    with pytest.raises(InvalidJobTransition):
        apply_update(job(final), state=JobState.running)
    with pytest.raises(InvalidJobTransition):
        apply_update(job(final), progress=JobProgress(phase="training"))
    same, event = apply_update(job(final), state=final)
    assert same.state is final and event is None


def test_a_started_job_cannot_go_back_to_queued() -> None:
    with pytest.raises(InvalidJobTransition):
        apply_update(job(JobState.running), state=JobState.queued)


def test_an_empty_update_changes_nothing() -> None:
    original = job(JobState.running)
    updated, event = apply_update(original)
    assert updated is original and event is None


@pytest.mark.parametrize("bad", ["", "../x", "a b", "x" * 200, "a/b"])
def test_unsafe_job_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidJobParams):
        new_job(bad, "train", None)
    with pytest.raises(JobNotFound):
        check_job_id(bad)
