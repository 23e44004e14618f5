"""``spikeglyph-gateway --host H --port P``: build the settings and the app, then serve."""

from __future__ import annotations

import logging

from spikeglyph.server.serve import load_settings, parse_address, serve
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings

log = logging.getLogger(__name__)
PROG = "spikeglyph-gateway"


def main(argv: list[str] | None = None) -> None:
    args = parse_address(PROG, __doc__ or PROG, 8000, argv)
    # A bad variable (a weak key in production, above all) stops the process here.
    settings = load_settings(PROG, GatewaySettings)
    app = create_app(settings)
    log.info("gateway listening on %s:%d", args.host, args.port)
    serve(app, args.host, args.port, proxy_headers=settings.trust_forwarded_for)


if __name__ == "__main__":
    main()
