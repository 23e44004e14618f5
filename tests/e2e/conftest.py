"""Browser-test fixtures: the real stack under test, Debian's Chromium driven by Playwright, and a
fresh page per test whose screenshot is kept in ``test-artifacts/e2e/``.

``stack_url`` starts the real services (its docstring names the alternatives). JavaScript
errors on the page fail the test that caused them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.procs import ServiceProcess, free_port, wait_http_ok

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
FAKE_API_KEY = "e2e-test-key-0123456789"
# A small limit keeps the oversized-upload test quick; the real gateway's default is 10 MB.
FAKE_UPLOAD_LIMIT_MB = 2.0
# Assertions wait this long for the page: the stack shares two cores with the worker's
# training jobs and the browser, so a prediction may take seconds while a job runs.
expect.set_options(timeout=15_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keeps each phase's report on the test item, so the page fixture knows a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def stack_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, data_dir: Path
) -> Iterator[str]:
    """Base URL of the gateway the browser talks to.

    By default the real stack: redis-server, an inference replica, the trainer worker and the
    gateway as real processes (``tests/support/stack.py``), serving the shipped model.
    ``E2E_STACK_URL`` points the tests at a running SpikeGlyph instead; ``E2E_FAKE=1`` uses
    the fake gateway (``tests/e2e/fake_api.py``) for work on the page alone.
    """
    external = os.environ.get("E2E_STACK_URL")
    if external:
        yield external.rstrip("/")
        return
    if os.environ.get("E2E_FAKE") == "1":
        yield from _fake_stack(tmp_path_factory)
        return
    from tests.support.stack import Stack, StackConfig, stack_model

    limit = str(int(FAKE_UPLOAD_LIMIT_MB * 1024 * 1024))
    config = StackConfig(
        model_dir=stack_model(request),
        worker=True,
        data_dir=data_dir,
        gateway_env={"MAX_UPLOAD_BYTES": limit},
        inference_env={"MAX_UPLOAD_BYTES": limit},
    )
    with Stack(config, root=tmp_path_factory.mktemp("e2e-stack")).started() as stack:
        # A registered, active base version, so a test that activates a job's model can
        # switch back to it (the shipped fallback is not a registry version).
        stack.publish_copy(E2E_BASE_VERSION, activate=True)
        _wait_serving(stack.gateway_url, E2E_BASE_VERSION)
        yield stack.gateway_url


E2E_BASE_VERSION = "e2e-base"


def _wait_serving(url: str, version: str, timeout: float = 60.0) -> None:
    """Until the replicas answer predictions with ``version``."""
    import httpx

    from tests.e2e.pages import ONE_PNG
    from tests.support.procs import wait_until

    def serving() -> bool:
        response = httpx.post(
            f"{url}/api/v1/predict?compact=true",
            content=ONE_PNG,
            headers={"Content-Type": "image/png"},
            timeout=10,
        )
        return response.status_code == 200 and response.json()["model_version"] == version

    wait_until(serving, timeout, f"the replicas to serve {version}")


def _fake_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {"PYTHONPATH": str(REPO)}
    data_dir = os.environ.get("SPIKEGLYPH_DATA_DIR")
    if data_dir:
        env["SPIKEGLYPH_DATA_DIR"] = data_dir
    server = ServiceProcess(
        argv=[
            sys.executable,
            "-m",
            "tests.e2e.fake_api",
            "--port",
            str(port),
            "--api-key",
            FAKE_API_KEY,
            "--max-upload-mb",
            str(FAKE_UPLOAD_LIMIT_MB),
        ],
        env=env,
        log_path=tmp_path_factory.mktemp("fake-api") / "fake_api.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(f"{url}/healthz", timeout=60)
    except TimeoutError:
        server.stop()
        pytest.fail(f"the fake gateway did not start:\n{server.log()}")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture()
def restore_active_model(stack_url: str, api_key: str) -> Iterator[None]:
    """Jobs started from the page may activate a small new model; put the served one back."""
    import httpx

    active = httpx.get(f"{stack_url}/api/v1/models/active", timeout=10).json().get("version")
    yield
    if not active:
        return
    response = httpx.post(
        f"{stack_url}/api/v1/models/{active}/activate",
        headers={"X-API-Key": api_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    if os.environ.get("E2E_FAKE") != "1":
        _wait_serving(stack_url, active)


@pytest.fixture(scope="session")
def api_key(stack_url: str) -> str:
    """The key the stack under test accepts."""
    from tests.support.stack import API_KEY

    default = FAKE_API_KEY if os.environ.get("E2E_FAKE") == "1" else API_KEY
    return os.environ.get("E2E_API_KEY", default)


@pytest.fixture(scope="session")
def upload_limit_mb() -> float:
    """The gateway's upload limit (``E2E_UPLOAD_LIMIT_MB`` for an external one, default 10 MB;
    the stacks these tests start use 2 MB so the oversized upload stays quick)."""
    if os.environ.get("E2E_STACK_URL"):
        return float(os.environ.get("E2E_UPLOAD_LIMIT_MB", "10"))
    return FAKE_UPLOAD_LIMIT_MB


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _artifact_name(node_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name).strip("_")


@pytest.fixture()
def viewport() -> dict[str, int]:
    """Window size of the test's page; override in a test module for other screens."""
    return {"width": 1280, "height": 900}


@pytest.fixture()
def page(
    browser: Browser,
    stack_url: str,
    viewport: dict[str, int],
    artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    """The app, loaded and ready, in a fresh browser context; screenshot kept afterwards."""
    context = browser.new_context(viewport=viewport, base_url=stack_url)  # type: ignore[arg-type]
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    # Failed requests log console errors on purpose in the error tests; a blocked script,
    # style or connection (Content-Security-Policy) is a bug of the page.
    page.on(
        "console",
        lambda msg: (
            page_errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.goto("/")
    page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    try:
        yield page
    finally:
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:
            # What the page told its user: the reason a wait above ran out, in the CI log.
            for selector in ("[role=alert]", "[role=status]"):
                for text in page.locator(selector).all_inner_texts():
                    if text.strip():
                        print(f"page {selector}: {text.strip()}")
        page.screenshot(path=str(artifacts_dir / f"{_artifact_name(request.node.name)}.png"))
        context.close()
    assert not page_errors, f"errors on the page: {page_errors}"
