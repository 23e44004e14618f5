"""How a service process starts: ``--host``/``--port``, settings read once, then uvicorn.

Both service commands (``spikeglyph-gateway``, ``spikeglyph-inference``) start the same way:
parse the two options, build the settings from ``SPIKEGLYPH_*`` variables (a bad variable
stops the process with exit code 2 and one line naming it, never a traceback), configure
logging, build the app and serve it with uvicorn's own logging off (the services log JSON
themselves) and a bounded graceful shutdown.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from spikeglyph.logs import configure_logging
from spikeglyph.server.errors import validation_message

S = TypeVar("S", bound=BaseSettings)
GRACEFUL_SHUTDOWN_S = 10


def parse_address(prog: str, description: str, port: int, argv: list[str] | None) -> Any:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    return parser.parse_args(argv)


def load_settings(prog: str, settings_class: Callable[[], S]) -> S:
    """The service's settings, or exit 2 with the offending variable named."""
    try:
        settings = settings_class()
    except ValidationError as exc:
        problem = validation_message(exc.errors(include_input=False))
        sys.stderr.write(f"{prog}: invalid SPIKEGLYPH_* setting: {problem}\n")
        raise SystemExit(2) from exc
    configure_logging(
        getattr(settings, "log_level", "INFO"), json_lines=getattr(settings, "log_json", True)
    )
    return settings


def serve(app: Any, host: str, port: int, *, proxy_headers: bool = False) -> None:
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=proxy_headers,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
