"""The laboratory panes in a real browser: the replay scrubber, activity against the usual,
collapsible panes remembered across reloads, and each what-if knob."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import SEVEN, draw, lit_pixels

pytestmark = pytest.mark.e2e


def predict_seven(page: Page) -> None:
    draw(page, SEVEN)
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")


def set_range(page: Page, selector: str, value: float) -> None:
    page.eval_on_selector(
        selector,
        """(el, value) => { el.value = String(value);
                            el.dispatchEvent(new Event("input", { bubbles: true })); }""",
        value,
    )


def spikes(page: Page) -> tuple[int, int]:
    card = page.locator("#whatif")
    return int(card.get_attribute("data-spikes") or -1), int(
        card.get_attribute("data-baseline-spikes") or -1
    )


def turn(page: Page, action: object) -> None:
    """Do ``action`` and wait for the what-if answer it causes."""
    card = page.locator("#whatif")
    page.evaluate("() => { document.getElementById('whatif').dataset.state = 'waiting'; }")
    action()  # type: ignore[operator]
    expect(card).to_have_attribute("data-state", "shown")


def test_the_scrubber_replays_the_steps_and_plays(page: Page) -> None:
    predict_seven(page)
    replay = page.locator("#replay")
    expect(replay).to_have_attribute("data-state", "shown")
    last = int(page.locator("#replay-step").get_attribute("max") or 0)
    assert last >= 1
    expect(replay).to_have_attribute("data-step", str(last))
    spikes_at_end = int(replay.get_attribute("data-hidden-spikes") or 0)
    set_range(page, "#replay-step", 0)
    expect(replay).to_have_attribute("data-step", "0")
    assert int(replay.get_attribute("data-hidden-spikes") or 0) <= spikes_at_end
    expect(page.locator("#replay-label")).to_have_text(f"step 1 of {last + 1}")
    assert lit_pixels(page, "#replay-membrane") > 0
    page.get_by_role("button", name="Play", exact=True).click()
    expect(replay).to_have_attribute("data-playing", "true")
    expect(replay).to_have_attribute("data-step", str(last), timeout=20_000)
    expect(replay).to_have_attribute("data-playing", "false")
    expect(page.locator("#replay-text")).to_contain_text(f"Step {last + 1} of {last + 1}")


def test_activity_is_shown_against_the_models_usual(page: Page) -> None:
    predict_seven(page)
    card = page.locator("#activity")
    expect(card).to_have_attribute("data-state", "shown")
    layers = page.locator("#activity-layers figure")
    expect(layers.first).to_be_visible()
    assert layers.count() >= 3
    assert page.locator("#activity-neurons figure").count() == 2
    for canvas in page.locator("#activity canvas").all():  # every figure has its text
        label = canvas.get_attribute("aria-label") or ""
        assert "firing rate" in label or "fired" in label, label
    assert lit_pixels(page, "#activity-layers canvas") > 0
    expect(page.locator("#activity-hint")).to_contain_text("reference images")


def test_panes_collapse_and_the_layout_is_remembered(page: Page) -> None:
    toggle = page.get_by_role("button", name="Collapse Activity against the usual")
    toggle.click()
    expect(page.locator("#activity")).to_have_attribute("data-collapsed", "true")
    expect(page.locator("#activity-layers")).to_be_hidden()
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    expect(page.locator("#activity")).to_have_attribute("data-collapsed", "true")
    page.get_by_role("button", name="Expand Activity against the usual").click()
    expect(page.locator("#activity")).to_have_attribute("data-collapsed", "false")
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    expect(page.locator("#activity")).to_have_attribute("data-collapsed", "false")


def test_the_threshold_knob_moves_the_spike_count(page: Page) -> None:
    predict_seven(page)
    turn(page, lambda: set_range(page, "#whatif-threshold", 2))
    higher, base = spikes(page)
    assert higher < base
    turn(page, lambda: set_range(page, "#whatif-threshold", 0.5))
    lower, base_again = spikes(page)
    assert lower > base_again == base
    table = page.locator("#whatif-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").nth(2)).to_contain_text(f"{lower:,}")


def test_time_steps_encoder_noise_and_occlusion(page: Page) -> None:
    predict_seven(page)
    rows = page.locator("#whatif-table tbody tr")
    turn(page, lambda: page.locator("#whatif-timesteps").fill("12"))
    expect(rows.nth(4)).to_contain_text("12")
    turn(page, lambda: page.locator("#whatif-encoder").select_option("rate"))
    expect(rows.nth(5)).to_contain_text("rate")
    turn(page, lambda: page.locator("#whatif-seed").fill("3"))
    turn(page, lambda: set_range(page, "#whatif-noise", 0.4))
    expect(page.locator("#whatif-noise-value")).to_have_text("0.40")
    turn(page, lambda: page.get_by_role("button", name="Top half").click())
    expect(page.locator("#whatif-occlusion-value")).to_contain_text("28×14")
    canvas = page.locator("#whatif-input")
    box = canvas.bounding_box()
    assert box is not None

    def drag() -> None:
        page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.5)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.9, steps=4)
        page.mouse.up()

    turn(page, drag)
    label = page.locator("#whatif-occlusion-value").inner_text()
    assert "px at (2, 14)" in label, label
    page.get_by_role("button", name="Replay the what-if").click()
    expect(page.locator("#replay-step")).to_have_attribute("max", "11")


def test_an_out_of_range_knob_is_refused_by_name(page: Page) -> None:
    predict_seven(page)
    page.evaluate("() => { document.getElementById('whatif-timesteps').max = '99'; }")
    page.locator("#whatif-timesteps").fill("40")
    expect(page.locator("#whatif")).to_have_attribute("data-state", "error")
    expect(page.locator("#whatif-hint")).to_contain_text("timesteps must be between 1 and 16")


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}])
def test_a_laptop_screen_shows_the_prediction_panes_at_once(
    page: Page, viewport: dict[str, int], artifacts_dir: Path
) -> None:
    predict_seven(page)
    turn(page, lambda: set_range(page, "#whatif-threshold", 1.5))
    page.evaluate("() => window.scrollTo(0, document.getElementById('main').offsetTop)")
    for pane in ("result", "spikes", "replay", "activity", "energy", "whatif"):
        top = page.locator(f"#{pane}").evaluate("(el) => el.getBoundingClientRect().top")
        assert 0 <= top < viewport["height"], (pane, top)
    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)
