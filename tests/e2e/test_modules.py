"""The page's pure logic, run in the browser itself: the prediction scheduler and job progress."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_scheduler_runs_one_task_at_a_time_and_never_drops_the_newest(page: Page) -> None:
    outcome = page.evaluate(
        """async () => {
          const { LatestOnlyScheduler } = await import("./js/scheduler.js");
          const scheduler = new LatestOnlyScheduler({ quietMs: 30, maxWaitMs: 80 });
          let running = 0, maxRunning = 0;
          const ran = [];
          const task = (n) => async () => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            await new Promise((r) => setTimeout(r, 60));
            ran.push(n);
            running -= 1;
          };
          for (let n = 0; n < 40; n += 1) {
            scheduler.debounce(task(n));
            await new Promise((r) => setTimeout(r, 10));
          }
          scheduler.now(task(99)); // a click while work is in flight waits its turn
          while (scheduler.busy) await new Promise((r) => setTimeout(r, 20));
          return { ran, maxRunning };
        }"""
    )
    ran = outcome["ran"]
    assert outcome["maxRunning"] == 1
    assert ran[-1] == 99
    assert 2 <= len(ran) < 20, ran  # updates while the burst lasts, far fewer than changes
    assert ran == sorted(ran), "an older drawing was predicted after a newer one"


def test_scheduler_cancel_drops_pending_work(page: Page) -> None:
    ran = page.evaluate(
        """async () => {
          const { LatestOnlyScheduler } = await import("./js/scheduler.js");
          const scheduler = new LatestOnlyScheduler({ quietMs: 50, maxWaitMs: 100 });
          const ran = [];
          scheduler.debounce(async () => ran.push("stale"));
          scheduler.cancelPending();
          await new Promise((r) => setTimeout(r, 200));
          return ran;
        }"""
    )
    assert ran == []


PROGRESS_CASES = [
    ({"epoch": 1, "epochs": 4, "step": 5, "steps": 10}, "running", 0.125),
    ({"epoch": 3, "epochs": 4, "step": 10, "steps": 10}, "running", 0.75),
    ({"epoch": 2, "epochs": 2}, "running", 1.0),
    ({"step": 30, "steps": 120}, "running", 0.25),
    ({"epoch": 1, "epochs": 2, "step": 99, "steps": 10}, "running", 0.5),
    ({"phase": "queued"}, "queued", 0.0),
    ({"phase": "publishing"}, "succeeded", 1.0),
]


def test_job_progress_bar_fraction_follows_epochs_and_steps(page: Page) -> None:
    fractions = page.evaluate(
        """async (cases) => {
          const { fractionDone } = await import("./js/jobs.js");
          return cases.map(([progress, state]) => fractionDone(progress, state));
        }""",
        [[progress, state] for progress, state, _ in PROGRESS_CASES],
    )
    assert fractions == pytest.approx([expected for _, _, expected in PROGRESS_CASES])
