"""Drawing and uploading: the person gets a prediction, the spikes that made it and the energy."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import ONE, SEVEN, draw, ink_pixels, lit_pixels, mnist_test_png, pen_stroke

pytestmark = pytest.mark.e2e


def test_drawing_a_digit_gives_a_prediction_and_a_spike_raster(page: Page) -> None:
    draw(page, SEVEN)
    page.get_by_role("button", name="Predict").click()

    result = page.locator("#result")
    expect(result).to_have_attribute("data-state", "shown")
    expect(page.locator("#result-label")).to_have_text(result.get_attribute("data-digit") or "?")
    expect(page.locator("#prob-bars li")).to_have_count(10)
    expect(page.locator("#result-confidence")).to_contain_text("% confident")
    expect(page.locator("#latency")).to_contain_text("total")
    expect(page.locator("#result-version")).not_to_have_text("–")

    spikes = page.locator("#spikes")
    expect(spikes).to_have_attribute("data-rendered", "true")
    assert int(spikes.get_attribute("data-hidden-spikes") or 0) > 0
    assert lit_pixels(page, "#output-raster") > 0
    assert lit_pixels(page, "#membrane-plot") > 0
    assert lit_pixels(page, "#rate-plot") > 0
    # The 28×28 the network saw holds the drawing's ink (bright pixels on black).
    assert lit_pixels(page, "#input-grid") == 28 * 28
    expect(page.locator("#energy-ratio")).to_contain_text("non-spiking network")
    expect(page.locator("#energy-note")).to_contain_text("memory access")


def test_uploading_an_mnist_digit_shows_the_right_digit(page: Page, data_dir: Path) -> None:
    png, label = mnist_test_png(data_dir, 0)
    page.locator("#file-input").set_input_files(
        {"name": "mnist-test-0.png", "mimeType": "image/png", "buffer": png}
    )
    expect(page.locator("#result")).to_have_attribute("data-state", "shown")
    expect(page.locator("#result-label")).to_have_text(str(label))
    expect(page.locator("#status")).to_contain_text("Uploaded mnist-test-0.png")
    expect(page.locator("#prob-bars li.top")).to_have_attribute("data-class", str(label))


def test_dropping_an_image_on_the_pad_predicts_it(page: Page, data_dir: Path) -> None:
    png, label = mnist_test_png(data_dir, 1)
    page.evaluate(
        """(bytes) => {
          const file = new File([new Uint8Array(bytes)], "dropped.png", { type: "image/png" });
          const data = new DataTransfer();
          data.items.add(file);
          const zone = document.getElementById("drop-zone");
          zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true }));
          zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true }));
        }""",
        list(png),
    )
    expect(page.locator("#result-label")).to_have_text(str(label))


def test_undo_removes_the_last_stroke_and_clear_empties_the_pad(page: Page) -> None:
    blank = ink_pixels(page)
    draw(page, ONE)
    one_stroke = ink_pixels(page)
    draw(page, [[(0.2, 0.5), (0.8, 0.5)]])
    assert ink_pixels(page) > one_stroke > blank

    page.get_by_role("button", name="Undo").click()
    assert ink_pixels(page) == one_stroke
    page.get_by_role("button", name="Clear").click()
    assert ink_pixels(page) == blank
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#alerts")).to_contain_text("Draw a digit first")


def test_pen_pressure_changes_the_stroke_width(page: Page) -> None:
    pen_stroke(page, pressure=0.1)
    light = ink_pixels(page)
    page.get_by_role("button", name="Clear").click()
    pen_stroke(page, pressure=1.0)
    heavy = ink_pixels(page)
    assert heavy > light * 1.8, (light, heavy)


def test_pasting_an_image_predicts_it(page: Page, data_dir: Path) -> None:
    png, label = mnist_test_png(data_dir, 2)
    page.evaluate(
        """(bytes) => {
          const file = new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" });
          const data = new DataTransfer();
          data.items.add(file);
          const paste = new ClipboardEvent("paste", { clipboardData: data, bubbles: true });
          document.body.dispatchEvent(paste);
        }""",
        list(png),
    )
    expect(page.locator("#result-label")).to_have_text(str(label))
    expect(page.locator("#status")).to_contain_text("pasted.png")
