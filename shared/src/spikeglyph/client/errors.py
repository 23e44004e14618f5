"""Reading the API's uniform error body into the error the client raises
(:class:`~spikeglyph.errors.SpikeGlyphAPIError`, defined with every other error)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from spikeglyph.errors import SpikeGlyphAPIError, SpikeGlyphConnectionError

__all__ = ["SpikeGlyphAPIError", "SpikeGlyphConnectionError", "raise_for_error"]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Read ``Retry-After``: whole seconds, or an HTTP date (seconds from ``now`` until it).

    A date already past reads as 0; a value that is neither reads as absent, so a malformed
    header never turns an answer into a crash.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # RFC 9110 dates are GMT
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def raise_for_error(response: httpx.Response) -> None:
    """Raise :class:`SpikeGlyphAPIError` for an error answer, reading the uniform body."""
    if response.status_code < 400:
        return
    code, message, request_id = f"http_{response.status_code}", response.reason_phrase, None
    try:
        detail = json.loads(response.content)["error"]
        code = str(detail.get("code", code))
        message = str(detail.get("message", message))
        request_id = detail.get("request_id")
    except (ValueError, KeyError, TypeError, AttributeError):
        pass  # not our body (a proxy's page, say): keep the status line
    raise SpikeGlyphAPIError(
        response.status_code,
        code,
        message,
        request_id=request_id or response.headers.get("x-request-id"),
        retry_after=retry_after_seconds(response.headers.get("retry-after")),
    )


@contextmanager
def connection_errors() -> Iterator[None]:
    """Turn httpx's transport failures (refused, reset, timed out) into ours."""
    try:
        yield
    except httpx.TransportError as exc:
        raise SpikeGlyphConnectionError(f"{type(exc).__name__}: {exc}") from exc
