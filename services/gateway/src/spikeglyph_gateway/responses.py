"""OpenAPI documentation of the uniform error body, shared by the routers.

The codes each status may carry come from the error classes themselves
(:func:`spikeglyph.errors.codes_with_status`), so the document cannot drift from the answers.
"""

from __future__ import annotations

from typing import Any

from spikeglyph.errors import FRAMEWORK_CODES, codes_with_status
from spikeglyph.schemas import ErrorBody

_DESCRIPTIONS = {
    400: "The request is malformed (e.g. an invalid model version name).",
    401: "No X-API-Key header.",
    403: "The X-API-Key is not one of the configured keys.",
    404: "No such resource.",
    413: "The upload exceeds the size limit.",
    415: "Not an image SpikeGlyph reads.",
    422: "The body or parameters fail validation.",
    429: "Too many requests from this client; see Retry-After.",
    503: "A dependency is unavailable; see Retry-After.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting the uniform error body for ``statuses``."""
    return {status: _error_response(status) for status in statuses}


def _error_response(status: int) -> dict[str, Any]:
    description = _DESCRIPTIONS.get(status, "Error.")
    codes = codes_with_status(status, public=True)
    example = {
        "error": {
            "code": _example_code(status, codes),
            "message": description,
            "request_id": "3f0c2a9e5b7d4e1f9a8b6c5d4e3f2a1b",
        }
    }
    listed = f" Codes: {', '.join(f'`{code}`' for code in codes)}." if codes else ""
    return {
        "model": ErrorBody,
        "description": description + listed,
        "content": {"application/json": {"example": example}},
    }


def _example_code(status: int, codes: list[str]) -> str:
    """The status's generic code when a class carries it (``validation_error``), else the first."""
    generic = FRAMEWORK_CODES.get(status)
    if generic in codes or not codes:
        return generic or "error"
    return codes[0]
