"""Correcting a wrong answer sends the predicted image with the right label."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import ONE, draw, install_probe

pytestmark = pytest.mark.e2e


def test_correction_is_sent_and_confirmed(page: Page) -> None:
    install_probe(page)
    draw(page, ONE)
    with page.expect_response("**/api/v1/predict") as prediction:
        page.get_by_role("button", name="Predict").click()
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    answered_by = prediction.value.json()["model_version"]

    page.get_by_label("Wrong? The right answer is").select_option("4")
    with page.expect_response("**/api/v1/feedback") as answer:
        page.get_by_role("button", name="Send correction").click()
    response = answer.value
    assert response.status == 202
    forms = page.evaluate("window.__probe.forms")
    predicted, corrected = forms[0]["fields"], forms[-1]["fields"]
    assert forms[-1]["url"].endswith("/api/v1/feedback")
    assert corrected["label"] == "4"
    # The version that answered goes too: the server reads the image for its dataset.
    assert corrected["model_version"] == answered_by
    # The very image that was predicted goes back with the correction.
    assert corrected["file"] == predicted["file"]
    assert corrected["file"]["type"] == "image/png"
    feedback_id = response.json()["feedback_id"]

    status = page.get_by_role("status")
    expect(status).to_contain_text("Correction “4” recorded")
    expect(status).to_contain_text(feedback_id)


def test_correction_form_appears_only_after_a_prediction(page: Page) -> None:
    expect(page.locator("#feedback-form")).to_be_hidden()
    draw(page, ONE)
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#feedback-form")).to_be_visible()
    options = page.locator("#feedback-label option")
    expect(options).to_have_count(10)


def test_a_confirmation_sends_the_answer_as_right(page: Page) -> None:
    install_probe(page)
    draw(page, ONE)
    with page.expect_response("**/api/v1/predict") as prediction:
        page.get_by_role("button", name="Predict").click()
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    answer = prediction.value.json()
    with page.expect_response("**/api/v1/feedback") as sent:
        page.get_by_role("button", name="That's right").click()
    assert sent.value.status == 202
    confirmed = page.evaluate("window.__probe.forms")[-1]["fields"]
    assert confirmed["label"] == str(answer["digit"]) and confirmed["confirmed"] == "true"
    assert confirmed["model_version"] == answer["model_version"]
    expect(page.get_by_role("status")).to_contain_text("Confirmation")
