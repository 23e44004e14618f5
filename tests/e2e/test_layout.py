"""Keyboard use, labelled controls and the phone-width layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import ONE, draw

pytestmark = pytest.mark.e2e

FOCUS_INFO = """() => {
  const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return {
    id: el.id,
    tag: el.tagName,
    name: (el.getAttribute("aria-label") || label || el.textContent || "").trim(),
    visible: el.getBoundingClientRect().width > 0 || el.id === "file-input",
  };
}"""


def tab_through(page: Page, presses: int) -> list[dict[str, object]]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUS_INFO))
    return seen


def test_tab_order_follows_the_page_and_every_stop_is_labelled(page: Page) -> None:
    stops = tab_through(page, 14)
    ids = [stop["id"] for stop in stops]
    expected = ["pad", "predict-btn", "undo-btn", "clear-btn", "file-input", "realtime-toggle"]
    positions = [ids.index(name) for name in expected]
    assert positions == sorted(positions), ids
    for stop in stops:
        assert stop["name"], f"focusable element without a name: {stop}"
        assert stop["visible"], f"focus landed on something invisible: {stop}"


def test_keyboard_alone_can_upload_and_predict(page: Page) -> None:
    draw(page, ONE)
    page.locator("#pad").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    page.keyboard.press("Escape")  # clears the pad
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Draw a digit first")


def test_every_form_control_has_a_label(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, button, canvas[tabindex]")]
          .filter((el) => !(el.getAttribute("aria-label") || (el.labels && el.labels.length)
                            || el.textContent.trim()))
          .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 740}])
def test_phone_width_has_no_horizontal_scroll(
    page: Page, viewport: dict[str, int], artifacts_dir: Path
) -> None:
    draw(page, ONE)
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#spikes")).to_have_attribute("data-rendered", "true")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 375, widths
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll("main *")]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                          && !el.closest(".table-wrap") && !el.closest(".visually-hidden")
                          && el.getBoundingClientRect().width > 0)
          .map((el) => el.id || el.className || el.tagName)"""
    )
    assert overflowing == []
    page.screenshot(path=str(artifacts_dir / "phone-full-page.png"), full_page=True)
