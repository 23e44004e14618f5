"""Start the whole stack for bench scripts: the launcher lives in ``tests/support/stack.py``.

Bench scripts run as ``.venv/bin/python bench/<script>.py`` from the repository root; this
module puts the root on ``sys.path`` so they share the tests' one implementation instead of a
second copy that could drift.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.procs import (  # noqa: E402
    RedisServer,
    ServiceProcess,
    free_port,
    wait_http_ok,
)
from tests.support.stack import (  # noqa: E402
    API_KEY,
    Replica,
    Stack,
    StackConfig,
    copy_model_as,
)

__all__ = [
    "API_KEY",
    "REPO",
    "RedisServer",
    "Replica",
    "ServiceProcess",
    "Stack",
    "StackConfig",
    "as_users_run_it",
    "copy_model_as",
    "free_port",
    "wait_http_ok",
]


def as_users_run_it(**fields: Any) -> StackConfig:
    """The stack as `make run` and Compose start it: a fresh internal token on every
    gateway → inference call and a Redis password, so the benches time what users run."""
    return StackConfig(
        internal_token=secrets.token_hex(24), redis_password=secrets.token_hex(24), **fields
    )
