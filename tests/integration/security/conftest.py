"""One real stack (Redis, a real inference replica, the gateway) shared by the security tests.

The gateway runs with its production defaults except two tight limits, so a handful of requests
trips them: feedback (3 at once, then 1 a minute) and a 256 KiB upload limit. Like a
Compose or Kubernetes deployment, Redis demands a password (given in SPIKEGLYPH_REDIS_URL) and
the services share an internal token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.stack import API_KEY, Stack, StackConfig, assert_no_stack_trace, stack_model

MAX_UPLOAD_BYTES = 256 * 1024
FEEDBACK_BURST = 3
INTERNAL_TOKEN = "c41d7e9a2f5b8036e1a4d7c0b3f6e9a2"
REDIS_PASSWORD = "6e0b3a9d2c5f8e1b4a7d0c3f6b9e2a5d"


@pytest.fixture(scope="session")
def secured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[Stack]:
    config = StackConfig(
        model_dir=stack_model(request),
        data_dir=data_dir,
        gateway_env={
            "MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
            "RATE_LIMIT_FEEDBACK": f'{{"per_minute": 1, "burst": {FEEDBACK_BURST}}}',
        },
        internal_token=INTERNAL_TOKEN,
        redis_password=REDIS_PASSWORD,
    )
    with Stack(config, tmp_path_factory.mktemp("secured")).started() as stack:
        yield stack


class CheckedClient(httpx.Client):
    """An HTTP client that fails the test when any answer carries a stack trace or a 5xx."""

    def request(self, *args: object, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        response = super().request(*args, **kwargs)  # type: ignore[arg-type]
        assert_no_stack_trace(response.content)
        assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
        return response


@pytest.fixture()
def http(secured: Stack) -> Iterator[httpx.Client]:
    with CheckedClient(base_url=secured.gateway_url, timeout=30) as client:
        yield client


@pytest.fixture()
def key() -> dict[str, str]:
    return {"X-API-Key": API_KEY}
