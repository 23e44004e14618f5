"""Real-time mode: the answer follows the pen, without flooding the service."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import SEVEN, draw, install_probe

pytestmark = pytest.mark.e2e


def test_realtime_updates_while_drawing_with_one_request_in_flight(page: Page) -> None:
    install_probe(page)
    page.get_by_label("Real-time mode").check()

    # Slow, continuous drawing (about two seconds of pointer moves, no pause).
    moves = 0
    for stroke in SEVEN:
        moves += draw(page, [stroke], steps=40)
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    # The newest drawing is never dropped: a request leaves after the last stroke and settles.
    page.wait_for_function(
        """() => { const p = window.__probe;
                   return p.inFlight === 0 && p.starts.at(-1) > p.lastChange; }""",
        timeout=10_000,
    )
    probe = page.evaluate("window.__probe")

    assert probe["maxInFlight"] == 1
    # Updates arrived while the pen was still moving, but far fewer than pointer moves.
    assert 2 <= len(probe["starts"]) < moves / 4, (len(probe["starts"]), moves)
    assert probe["starts"][0] < probe["lastChange"], "no prediction while drawing"
    expect(page.locator("#result-label")).not_to_have_text("?")


def test_realtime_off_sends_nothing_until_predict(page: Page) -> None:
    install_probe(page)
    draw(page, SEVEN)
    page.wait_for_timeout(600)
    assert page.evaluate("window.__probe.starts.length") == 0
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    assert page.evaluate("window.__probe.starts.length") == 1
