"""A replica's answer passed on as the gateway's own.

A replica refuses what the gateway would have refused, with the uniform error body and, for a
503, its own ``Retry-After``; the routes that relay a replica's work (feedback images, weight
figures) hand that answer on unchanged rather than rewording it.
"""

from __future__ import annotations

from fastapi import Response

from spikeglyph_gateway.upstream import Upstream


def relayed(upstream: Upstream, headers: dict[str, str] | None = None) -> Response:
    """``upstream`` as a response: its status, body, content type and ``Retry-After``."""
    own = dict(headers or {})
    if (retry_after := upstream.headers.get("retry-after")) is not None:
        own["Retry-After"] = retry_after
    return Response(
        upstream.content,
        status_code=upstream.status_code,
        media_type=upstream.headers.get("content-type", "application/json"),
        headers=own,
    )
