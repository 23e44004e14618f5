"""OpenAPI documentation of the uniform error body, shared by the routers."""

from __future__ import annotations

from typing import Any

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
    return {
        status: {
            "model": ErrorBody,
            "description": _DESCRIPTIONS.get(status, "Error."),
            "content": {
                "application/json": {
                    "example": {
                        "error": {
                            "code": "rate_limited" if status == 429 else "error_code",
                            "message": _DESCRIPTIONS.get(status, "Error."),
                            "request_id": "3f0c2a9e5b7d4e1f9a8b6c5d4e3f2a1b",
                        }
                    }
                }
            },
        }
        for status in statuses
    }
