"""What a person does on the page, as helpers: draw strokes, upload files, read canvases."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page

from spikeglyph.data import load_split

Point = tuple[float, float]

# Strokes in pad units (0..1): a "7" (bar, then diagonal) and a "1".
SEVEN: list[list[Point]] = [
    [(0.25, 0.22), (0.45, 0.21), (0.62, 0.21), (0.74, 0.22)],
    [(0.74, 0.22), (0.66, 0.38), (0.57, 0.55), (0.50, 0.70), (0.45, 0.82)],
]
ONE: list[list[Point]] = [[(0.52, 0.15), (0.52, 0.40), (0.51, 0.62), (0.50, 0.85)]]

# Instruments the page's fetch: how many predict requests ran at once, when each started, when
# the drawing last changed, and what every form sent (field → text, or type and size of a file).
FETCH_PROBE = """
(() => {
  const probe = { inFlight: 0, maxInFlight: 0, starts: [], lastChange: 0, forms: [] };
  window.__probe = probe;
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = String(input && input.url ? input.url : input);
    if (init && init.body instanceof FormData) {
      const fields = {};
      for (const [name, value] of init.body.entries()) {
        fields[name] = typeof value === "string" ? value : { type: value.type, size: value.size };
      }
      probe.forms.push({ url, fields });
    }
    if (!url.includes("/api/v1/predict")) return original(input, init);
    probe.inFlight += 1;
    probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
    probe.starts.push(performance.now());
    try { return await original(input, init); } finally { probe.inFlight -= 1; }
  };
  addEventListener("pointermove", () => { probe.lastChange = performance.now(); }, true);
})();
"""


def install_probe(page: Page) -> None:
    """Reloads the page with :data:`FETCH_PROBE` installed before the app's scripts run."""
    page.add_init_script(FETCH_PROBE)
    page.reload()
    page.wait_for_selector("body[data-ready='true']")


def draw(page: Page, strokes: Sequence[Sequence[Point]], steps: int = 6) -> int:
    """Draws the strokes on the pad with the mouse; returns the number of pointer moves."""
    pad = page.locator("#pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None, "the drawing pad is not visible"
    moves = 0
    for stroke in strokes:
        x0, y0 = stroke[0]
        page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=steps)
            moves += steps
        page.mouse.up()
    return moves


def pen_stroke(page: Page, pressure: float) -> None:
    """A horizontal pen stroke with constant pressure (synthetic PointerEvents, pointerType pen)."""
    page.evaluate(
        """(pressure) => {
          const pad = document.getElementById("pad");
          const r = pad.getBoundingClientRect();
          const fire = (type, fx) => pad.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: "pen", isPrimary: true, bubbles: true, cancelable: true,
            button: 0, buttons: type === "pointerup" ? 0 : 1, pressure,
            clientX: r.left + fx * r.width, clientY: r.top + 0.5 * r.height }));
          fire("pointerdown", 0.2);
          for (let i = 1; i <= 12; i += 1) fire("pointermove", 0.2 + i * 0.05);
          fire("pointerup", 0.8);
        }""",
        pressure,
    )


def ink_pixels(page: Page, selector: str = "#pad") -> int:
    """Dark pixels on a canvas (the ink of the drawing pad)."""
    return int(
        page.evaluate(
            """(selector) => {
              const c = document.querySelector(selector);
              const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n += 1;
              return n;
            }""",
            selector,
        )
    )


def lit_pixels(page: Page, selector: str) -> int:
    """Pixels of a canvas that differ from fully transparent (anything was drawn)."""
    return int(
        page.evaluate(
            """(selector) => {
              const c = document.querySelector(selector);
              const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
              return n;
            }""",
            selector,
        )
    )


def mnist_test_png(data_dir: Path, index: int) -> tuple[bytes, int]:
    """The MNIST test image ``index`` as PNG bytes, with its label."""
    images, labels = load_split(data_dir, "mnist", "test")
    buffer = io.BytesIO()
    Image.fromarray(images[index]).save(buffer, format="PNG")
    return buffer.getvalue(), int(labels[index])


def _one_png() -> bytes:
    image = Image.new("L", (28, 28), 0)
    image.paste(255, (13, 4, 16, 24))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


ONE_PNG = _one_png()
"""A small upright stroke as PNG bytes, for checks that need any valid digit image."""
