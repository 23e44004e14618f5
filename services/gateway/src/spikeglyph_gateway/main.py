"""``spikeglyph-gateway --host H --port P``: build the settings and the app, then serve."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn
from pydantic import ValidationError

from spikeglyph.logs import configure_logging
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="spikeglyph-gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        settings = GatewaySettings()
    except ValidationError as exc:
        # A bad variable (a weak key in production, above all) stops the process here.
        sys.stderr.write(f"spikeglyph-gateway: invalid settings:\n{exc}\n")
        raise SystemExit(2) from exc
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = create_app(settings)
    log.info("gateway listening on %s:%d", args.host, args.port)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        proxy_headers=settings.trust_forwarded_for,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
