"""API keys and client identity.

Every configured key is compared with :func:`hmac.compare_digest`, and all of them are compared
every time, so neither the content nor the position of a valid key leaks through timing.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from spikeglyph.errors import MissingApiKey, WrongApiKey

API_KEY_HEADER = "X-API-Key"


def check_api_key(presented: str | None, accepted: list[str]) -> None:
    """Raise 401 when no key is presented, 403 when it matches none of ``accepted``."""
    if not presented:
        raise MissingApiKey(f"this route needs an {API_KEY_HEADER} header")
    candidate = presented.encode()
    matched = False
    for key in accepted:
        matched |= hmac.compare_digest(candidate, key.encode())
    if not matched:
        raise WrongApiKey(f"the {API_KEY_HEADER} is not valid")


def client_address(request: Request, trust_forwarded_for: bool) -> str:
    """The address rate limits are kept for: the socket peer, or the proxy's forwarded one."""
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"
