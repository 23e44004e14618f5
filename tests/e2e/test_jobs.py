"""Training from the page: live progress to completion, the new version listed, cancel, switch."""

from __future__ import annotations

import contextlib
import os
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.pages import ONE, draw

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("restore_active_model")]

# The fake finishes a job in about a second; a real training run of a few hundred samples
# takes longer, so the wait is configurable for runs against the real stack.
JOB_TIMEOUT_MS = int(float(os.environ.get("E2E_JOB_TIMEOUT_S", "300")) * 1000)


def fill_train_form(
    page: Page, epochs: int, encoder: str, activate: bool, max_samples: int | None = 200
) -> None:
    page.get_by_label("Job", exact=True).select_option("train")
    form = page.get_by_role("group", name="Training")
    form.get_by_label("Epochs", exact=True).fill(str(epochs))
    form.get_by_label("Encoder").select_option(encoder)
    form.get_by_label("Time steps").fill("4")
    form.get_by_label("Max samples").fill(str(max_samples) if max_samples else "")
    form.get_by_label("Activate when done").set_checked(activate)


def test_training_job_shows_live_progress_and_publishes_a_version(page: Page, api_key: str) -> None:
    page.get_by_label("API key").fill(api_key)
    fill_train_form(page, epochs=2, encoder="rate", activate=True)
    page.get_by_role("button", name="Start job").click()

    panel = page.locator("#job-panel")
    expect(panel).to_be_visible()
    # Progress arrives live (SSE) before the end: a partly filled bar while running.
    page.wait_for_function(
        """() => {
          const p = document.getElementById("job-progress");
          return document.getElementById("job-panel").dataset.state === "running"
            && p.value > 0 && p.value < 1;
        }""",
        timeout=JOB_TIMEOUT_MS,
    )
    expect(panel).to_have_attribute("data-state", "succeeded", timeout=JOB_TIMEOUT_MS)
    assert page.locator("#job-progress").evaluate("p => p.value") == 1
    assert int(page.locator("#job-curve").get_attribute("data-points") or 0) >= 2
    expect(page.locator("#job-result")).to_contain_text("new version")
    version = (page.locator("#job-result").inner_text().split("new version ")[1]).split(",")[0]

    row = page.locator(f"#models-table tr[data-version='{version}']")
    expect(row).to_be_visible()
    expect(row).to_have_class("is-active")
    expect(page.locator("#active-model")).to_contain_text(version)

    # The activated model answers predictions: its rate encoder shows input spikes.
    draw(page, ONE)
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#result-version")).to_contain_text(version)
    expect(page.locator("#input-raster-fig")).to_be_visible()


def test_cancelling_a_job_stops_it(page: Page, api_key: str) -> None:
    page.get_by_label("API key").fill(api_key)
    # The whole training set for many epochs: long enough to be cancelled on any machine.
    fill_train_form(page, epochs=30, encoder="direct", activate=False, max_samples=None)
    page.get_by_role("button", name="Start job").click()
    panel = page.locator("#job-panel")
    expect(panel).to_have_attribute("data-state", "running", timeout=JOB_TIMEOUT_MS)
    page.get_by_role("button", name="Cancel job").click()
    expect(panel).to_have_attribute("data-state", "cancelled", timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-state")).to_have_text("cancelled")
    expect(page.get_by_role("button", name="Cancel job")).to_be_disabled()


def test_roll_back_to_an_older_version_and_forward_again(page: Page, api_key: str) -> None:
    page.get_by_label("API key").fill(api_key)
    active_row = page.locator("#models-table tr.is-active")
    expect(active_row).to_have_count(1)
    active = active_row.get_attribute("data-version")
    older = page.locator("#models-table tbody tr:not(.is-active)").last
    target = older.get_attribute("data-version")
    assert active and target

    older.get_by_role("button").click()
    expect(page.locator(f"#models-table tr[data-version='{target}']")).to_have_class("is-active")
    expect(page.locator("#active-model")).to_contain_text(target)
    expect(page.get_by_role("status")).to_contain_text(f"Version {target} is now active")

    page.locator(f"#models-table tr[data-version='{active}']").get_by_role("button").click()
    expect(page.locator(f"#models-table tr[data-version='{active}']")).to_have_class("is-active")


def test_management_without_a_valid_key_says_so(page: Page) -> None:
    page.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("alert")).to_contain_text("needs the API key")

    page.get_by_label("API key").fill("not-the-right-key-at-all")
    page.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("alert")).to_contain_text("API key was refused")
    expect(page.locator("#job-panel")).to_be_hidden()


def test_api_key_lives_only_in_the_tab_session(page: Page, api_key: str) -> None:
    page.get_by_label("API key").fill(api_key)
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    expect(page.get_by_label("API key")).to_have_value(api_key)
    stored = page.evaluate("() => [localStorage.length, document.cookie, location.href]")
    assert stored[0] == 0 and api_key not in stored[1] and api_key not in stored[2]

    page.get_by_role("button", name="Forget").click()
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    expect(page.get_by_label("API key")).to_have_value("")


def test_a_running_job_is_picked_up_again_after_a_reload(page: Page, api_key: str) -> None:
    page.get_by_label("API key").fill(api_key)
    fill_train_form(page, epochs=3, encoder="direct", activate=False)
    page.get_by_role("button", name="Start job").click()
    panel = page.locator("#job-panel")
    expect(panel).to_have_attribute("data-state", "running", timeout=JOB_TIMEOUT_MS)
    job_title = page.locator("#job-title").inner_text()

    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    expect(page.locator("#job-title")).to_have_text(job_title)
    expect(panel).to_have_attribute("data-state", "succeeded", timeout=JOB_TIMEOUT_MS)
    job_id = job_title.rsplit(" ", 1)[-1]
    expect(page.locator(f"#jobs-list li[data-job-id='{job_id}']")).to_contain_text("succeeded")


@pytest.mark.parametrize(
    ("kind", "group", "fields", "expected"),
    [
        (
            "finetune",
            "Fine-tuning",
            {"Rehearsal ratio": "2.5"},
            {"rehearsal_ratio": 2.5},  # what is left empty takes the server's defaults
        ),
        (
            "neurogenesis",
            "Neurogenesis",
            {"Prune fraction": "0.4", "Max samples": "500"},
            {"prune_fraction": 0.4, "max_samples": 500},
        ),
        (
            "evaluate",
            "Evaluation",
            {"Max samples": "300"},
            {"split": "test", "max_samples": 300},
        ),
    ],
)
def test_each_job_kind_sends_its_own_typed_parameters(
    page: Page,
    api_key: str,
    kind: str,
    group: str,
    fields: dict[str, str],
    expected: dict[str, object],
) -> None:
    page.get_by_label("API key").fill(api_key)
    page.get_by_label("Job", exact=True).select_option(kind)
    form = page.get_by_role("group", name=group)
    expect(form).to_be_visible()
    expect(page.get_by_role("group", name="Training")).to_be_hidden()
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    with page.expect_request("**/api/v1/jobs") as sent:
        page.get_by_role("button", name="Start job").click()
    # Empty fields (base version, dataset) are left to the server's defaults.
    assert sent.value.post_data_json == {"kind": kind, "params": expected}
    expect(page.locator("#job-title")).to_contain_text(kind.capitalize())
    # Cancel if still possible; a finetune without stored corrections is already over (failed,
    # saying why), and a disabled button cannot be clicked.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.get_by_role("button", name="Cancel job").click(timeout=3000)
    expect(page.locator("#job-panel")).to_have_attribute(
        "data-state", re.compile("cancelled|succeeded|failed"), timeout=JOB_TIMEOUT_MS
    )


def test_the_form_shows_the_recipe_defaults_the_server_will_use(page: Page) -> None:
    """The page keeps no defaults of its own: empty fields show the training recipe's values
    (from the API's OpenAPI document) and are not sent, so the job takes the recipe's."""
    form = page.get_by_role("group", name="Training")
    epochs = form.get_by_label("Epochs", exact=True)
    expect(epochs).to_have_value("")
    expect(epochs).to_have_attribute("placeholder", "20 (default)")
    expect(form.get_by_label("Learning rate")).to_have_attribute("placeholder", "0.003 (default)")
    form.get_by_label("Dataset").select_option("fashion-mnist")
    expect(epochs).to_have_attribute("placeholder", "30 (default)")
    page.locator("#job-kind").select_option("neurogenesis")
    grown = page.get_by_role("group", name="Neurogenesis").get_by_label("Grow fraction")
    expect(grown).to_have_attribute("placeholder", "0.05 (default)")
