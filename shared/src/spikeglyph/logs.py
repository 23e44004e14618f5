"""Structured logs for every SpikeGlyph process: one line a record, JSON for log shippers.

Each record carries the id of the request it belongs to (``request_id_var``, set by the
services' request middleware); ``extra={...}`` fields become top-level keys. uvicorn's loggers
are routed through the same handler and its access log is switched off, since the services
write their own access line with the request id.
"""

from __future__ import annotations

import json
import logging
import random
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    """32 random hex digits: unique enough to trace a request, and no system call per request
    (an id is not a secret, so ``uuid4``'s ``os.urandom`` buys nothing here)."""
    return f"{random.getrandbits(128):032x}"


def incoming_request_id(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's ``X-Request-ID`` (raw ASGI headers) when it is a sane token, else a new id.

    Keeping the caller's id lets one request be followed across the gateway and a replica.
    """
    for name, value in headers:
        if name == b"x-request-id" and _SAFE_REQUEST_ID.fullmatch(value):
            return value.decode("ascii")
    return new_request_id()


# Attributes every LogRecord has; anything else was passed through ``extra=`` and is kept
# (except uvicorn's terminal-coloured copy of the message).
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to plain-text records too."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(
    level: str, *, json_lines: bool, quiet: Iterable[str] = ("httpx", "httpcore")
) -> None:
    """Send every logger (uvicorn's included) to stderr in one format.

    ``quiet`` loggers (an HTTP client logs a line per upstream call and per readiness probe)
    are raised to WARNING.
    """
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for name in quiet:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
