"""Failures are shown as clear messages in the alert region, never swallowed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.pages import ONE, draw

pytestmark = pytest.mark.e2e


def test_oversized_upload_shows_a_clear_error(page: Page, upload_limit_mb: float) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * int((upload_limit_mb + 0.5) * 1_000_000)
    with page.expect_response("**/api/v1/predict") as answer:
        page.locator("#file-input").set_input_files(
            {"name": "huge.png", "mimeType": "image/png", "buffer": big}
        )
    assert answer.value.status == 413
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("too large")
    expect(page.locator("#result")).to_have_attribute("data-state", "empty")


def test_a_file_that_is_not_an_image_is_refused_with_a_reason(page: Page) -> None:
    with page.expect_response("**/api/v1/predict") as answer:
        page.locator("#file-input").set_input_files(
            {"name": "notes.png", "mimeType": "image/png", "buffer": b"these are not pixels"}
        )
    assert answer.value.status in (400, 415, 422)
    expect(page.get_by_role("alert")).to_contain_text("Prediction failed")
    expect(page.get_by_role("alert")).to_contain_text("image")


def test_a_non_image_type_is_refused_before_upload(page: Page) -> None:
    page.locator("#file-input").set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}
    )
    expect(page.get_by_role("alert")).to_contain_text("“report.pdf” is not an image")


def test_service_down_is_reported(page: Page) -> None:
    page.route("**/api/v1/predict", lambda route: route.abort("connectionrefused"))
    draw(page, ONE)
    page.get_by_role("button", name="Predict").click()
    expect(page.get_by_role("alert")).to_contain_text("Cannot reach the SpikeGlyph service")


def test_rate_limit_tells_when_to_retry(page: Page) -> None:
    def too_many(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "7", "Content-Type": "application/json"},
            body='{"error": {"code": "rate_limited", "message": "Too many requests."}}',
        )

    page.route("**/api/v1/predict", too_many)
    draw(page, ONE)
    page.get_by_role("button", name="Predict").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Too many requests")
    expect(alert).to_contain_text("7 s")

    # Once the service answers again, the error goes away with the next good prediction.
    page.unroute("**/api/v1/predict")
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    expect(page.locator("#alerts .alert")).to_have_count(0)
