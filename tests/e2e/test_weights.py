"""The Weights pane in Chromium: the active model's figures, the STDP grid chosen from the
models list, PNG exports, and the difference view of a version with a parent."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from spikeglyph.modelarchive import pack
from tests.unit.figures.weight_models import STDP, tuned_copy, version_of

pytestmark = pytest.mark.e2e

STDP_CHILD = "e2e-stdp-tuned"


@pytest.fixture(scope="module", autouse=True)
def stdp_versions(stack_url: str, api_key: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The shipped STDP model and a derived copy of it, published through the API when the
    stack under test lacks an STDP version or a version with a parent."""
    listed = httpx.get(f"{stack_url}/api/v1/models", timeout=30).json()
    if any("stdp" in m["version"] for m in listed) and any(m.get("parent") for m in listed):
        return
    directory = tmp_path_factory.mktemp("weights")
    parent = version_of(STDP)
    child = tuned_copy(STDP, directory, STDP_CHILD, parent)
    for model in (STDP, child):
        response = httpx.post(
            f"{stack_url}/api/v1/models",
            content=pack(model),
            headers={"Content-Type": "application/gzip", "X-API-Key": api_key},
            timeout=120,
        )
        assert response.status_code in (200, 201, 409), response.text


def show_weights_of(page: Page, version_part: str) -> str:
    row = page.locator(f"#models-table tr[data-version*='{version_part}']").first
    expect(row).to_be_visible()
    version = row.get_attribute("data-version") or ""
    row.get_by_role("link", name="Show the weights").click()
    expect(page.locator("#weights-version")).to_have_text(version)
    return version


def test_the_pane_shows_the_active_models_weights_with_png_exports(page: Page) -> None:
    pane = page.locator("#weights")
    expect(pane).to_have_attribute("data-state", "shown")
    active = page.locator("#models-table tr.is-active").get_attribute("data-version")
    expect(page.locator("#weights-version")).to_have_text(active or "")
    first = pane.locator("figure.weight-figure").first
    expect(first.locator("canvas")).to_have_attribute("aria-label", re.compile("heatmaps|tiles"))
    png = page.request.get(first.get_by_role("link").get_attribute("href") or "")
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert png.body()[:4] == b"\x89PNG"


def test_the_stdp_grid_shows_every_neuron(page: Page) -> None:
    show_weights_of(page, "stdp")
    pane = page.locator("#weights")
    expect(pane).to_have_attribute("data-kind", "stdp")
    grid = pane.locator("figure[data-figure='exc'] canvas")
    expect(grid).to_be_visible()
    # 400 tiles of 28×28 drawn at 2×, 20 to a row with 2 px between: the full grid.
    assert grid.evaluate("c => [c.width, c.height]") == [20 * 58 + 2, 20 * 58 + 2]
    expect(pane.locator("figcaption").first).to_contain_text("400 neurons")


def test_a_version_with_a_parent_shows_what_changed(page: Page) -> None:
    rows = page.locator("#models-table tbody tr")
    expect(rows.first).to_be_visible()
    derived = [
        version
        for version, parent in rows.evaluate_all(
            "rs => rs.map(r => [r.dataset.version, r.children[4]?.textContent])"
        )
        if parent and parent != "–"
    ]
    assert derived, "the fixture publishes a version with a parent"
    show_weights_of(page, derived[0])
    page.get_by_label("What changed since the parent").check()
    pane = page.locator("#weights")
    expect(pane).to_have_attribute("data-diff", "true")
    expect(page.locator("#weights-legend")).to_be_visible()
    expect(pane.locator("figcaption").first).to_contain_text("Change since the parent")
    page.get_by_label("What changed since the parent").uncheck()
    expect(pane).to_have_attribute("data-diff", "false")
