"""The shared internal token that service-to-service calls carry (``SPIKEGLYPH_INTERNAL_TOKEN``).

The gateway is the only public entry point; an inference replica is reachable by anything on
the same network (a Compose network, a Kubernetes namespace). With a token configured, the
replica answers its routes only to callers that send ``Authorization: Bearer <token>``, so a
neighbour that is not the gateway cannot bypass the gateway's rate limits and body limits.

Probes and scrapes stay open (:data:`OPEN_PATHS`): kubelet and Docker health checks send no
headers, and ``/metrics`` holds counters, not data. Everything else, including routes added
later, is refused by default: the middleware sits in front of the whole app rather than on
chosen routers.

The comparison is :func:`hmac.compare_digest` on the whole header value, so the time it takes
says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from spikeglyph.errors import InternalTokenRefused
from spikeglyph.server.errors import answer_for

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SCHEME = "Bearer"
POLICY_VIOLATION = 1008  # the WebSocket close code for a refused connection


def bearer_header(token: str) -> dict[str, str]:
    """The header a caller sends: ``{"Authorization": "Bearer <token>"}``."""
    return {"Authorization": f"{SCHEME} {token}"}


def expected_header(token: str) -> bytes:
    """The exact ``Authorization`` value that carries ``token``, as compared."""
    return f"{SCHEME} {token}".encode()


def token_matches(authorization: str | None, token: str | bytes) -> bool:
    """Whether an ``Authorization`` header value carries exactly ``token`` (constant time);
    ``token`` may be given already as :func:`expected_header`'s bytes."""
    expected = token if isinstance(token, bytes) else expected_header(token)
    return hmac.compare_digest((authorization or "").encode(), expected)


class InternalTokenMiddleware:
    """Pure ASGI middleware answering 401 (uniform body) to calls without the right token."""

    def __init__(
        self, app: ASGIApp, *, token: str, open_paths: frozenset[str] = OPEN_PATHS
    ) -> None:
        if not token:
            raise ValueError("an empty internal token would accept every caller")
        self.app = app
        self.expected = expected_header(token)  # built once, not per request
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self.open_paths:
            await self.app(scope, receive, send)  # lifespan events, probes, metrics
            return
        authorization = Headers(scope=scope).get("authorization")
        if token_matches(authorization, self.expected):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        request = Request(scope)
        message = (
            "this service answers only the gateway: the Authorization bearer token is not valid"
            if authorization
            else "this service answers only the gateway: send Authorization: Bearer <token>"
        )
        refusal = answer_for(InternalTokenRefused(message), request)
        refusal.headers["WWW-Authenticate"] = SCHEME
        await refusal(scope, receive, send)
