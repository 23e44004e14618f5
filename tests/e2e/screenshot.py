"""Takes the README screenshot: the page after predicting an MNIST test digit.

Usage (against any running gateway, e.g. ``make run``)::

    python -m tests.e2e.screenshot --url http://localhost:8000 --out docs/screenshot.png
    python -m tests.e2e.screenshot --weights docs/weights-stdp.png   # also the STDP weight grid
    python -m tests.e2e.screenshot --url http://localhost:8000 --dashboard docs/dashboard.png \
        --width 1440 --height 900 --out /tmp/page.png

Without ``--url`` it starts the fake gateway of the browser tests on a free port.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.pages import SEVEN, draw
from tests.support.procs import ServiceProcess, free_port, wait_http_ok

REPO = Path(__file__).resolve().parents[2]


def capture_dashboard(page: Page, out: Path) -> None:
    """The dashboard after a prediction with one knob turned (threshold × 1.5)."""
    page.eval_on_selector(
        "#whatif-threshold",
        """(el) => { el.value = "1.5";
                     el.dispatchEvent(new Event("input", { bubbles: true })); }""",
    )
    page.wait_for_selector("#whatif[data-state='shown']")
    page.wait_for_selector("#activity[data-state='shown']")
    page.get_by_role("button", name="Collapse Train and manage models").click()
    page.wait_for_timeout(400)
    page.locator("#main").screenshot(path=str(out))


def capture(page: Page, out: Path, sections: Path | None) -> None:
    page.wait_for_selector("body[data-ready='true']")
    draw(page, SEVEN)
    page.get_by_role("button", name="Predict").click()
    page.wait_for_selector("#spikes[data-rendered='true']")
    page.wait_for_timeout(400)  # let the bars finish their transition
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out))
    if sections:
        page.locator("#manage").screenshot(path=str(sections / "manage.png"))
        page.screenshot(path=str(sections / "full-page.png"), full_page=True)


def capture_weights(page: Page, out: Path) -> None:
    """The Weights pane showing the STDP model's grid, chosen in the models list."""
    row = page.locator("#models-table tr[data-version*='stdp']").first
    row.get_by_role("link", name="Show the weights").click()
    page.wait_for_selector("#weights[data-kind='stdp'][data-state='shown']")
    out.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#weights").screenshot(path=str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running gateway; default: start the fake one")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--sections", type=Path, help="also save section shots in this folder")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    parser.add_argument("--weights", type=Path, help="also save the STDP weight grid here")
    parser.add_argument("--dashboard", type=Path, help="also save the dashboard with a knob turned")
    args = parser.parse_args()

    server = None
    url = args.url
    if not url:
        port = free_port()
        log = Path(tempfile.mkdtemp()) / "fake_api.log"
        argv = [sys.executable, "-m", "tests.e2e.fake_api", "--port", str(port)]
        server = ServiceProcess(argv=argv, env={"PYTHONPATH": str(REPO)}, log_path=log).start()
        url = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{url}/healthz", timeout=60)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(
                viewport={"width": args.width, "height": args.height},
                device_scale_factor=1,
                color_scheme="dark" if args.dark else "light",
            )
            page.goto(url)
            capture(page, args.out, args.sections)
            if args.weights:
                capture_weights(page, args.weights)
            if args.dashboard:
                capture_dashboard(page, args.dashboard)
            browser.close()
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
