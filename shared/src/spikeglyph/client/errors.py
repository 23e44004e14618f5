"""What the client raises: one exception type carrying the API's uniform error body."""

from __future__ import annotations

import json

import httpx


class SpikeGlyphAPIError(Exception):
    """The API answered an error (``status`` ≥ 400) with ``{"error": {"code", "message"}}``.

    ``retry_after`` holds the ``Retry-After`` seconds of a 429 or 503, when given.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after


class SpikeGlyphConnectionError(SpikeGlyphAPIError):
    """The gateway could not be reached at all (status 0: no HTTP answer)."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "connection_error", message)


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
    request_id = request_id or response.headers.get("x-request-id")
    retry_after = response.headers.get("retry-after")
    raise SpikeGlyphAPIError(
        response.status_code,
        code,
        message,
        request_id=request_id,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
    )
