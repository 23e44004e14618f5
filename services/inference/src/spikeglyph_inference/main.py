"""``spikeglyph-inference --host H --port P``: one uvicorn process serving the app."""

from __future__ import annotations

import logging
import sys

from spikeglyph.errors import DeviceUnavailable
from spikeglyph.runtime import select_providers
from spikeglyph.server.serve import load_settings, parse_address, serve
from spikeglyph_inference.app import create_app
from spikeglyph_inference.settings import Settings

log = logging.getLogger("spikeglyph_inference")
PROG = "spikeglyph-inference"


def main(argv: list[str] | None = None) -> None:
    description = "SpikeGlyph inference service (settings from SPIKEGLYPH_* variables)."
    args = parse_address(PROG, description, 8001, argv)
    settings = load_settings(PROG, Settings)
    try:
        providers = select_providers(settings.device)
    except DeviceUnavailable as exc:
        log.critical("cannot start: %s", exc.message)
        sys.exit(2)
    log.info("device %s, ONNX Runtime providers %s", settings.device, providers)
    if settings.internal_token is None and settings.environment == "production":
        log.warning(
            "SPIKEGLYPH_INTERNAL_TOKEN is unset: any caller on this network can use the "
            "prediction routes without passing the gateway's limits"
        )
    serve(create_app(settings), args.host, args.port)


if __name__ == "__main__":
    main()
