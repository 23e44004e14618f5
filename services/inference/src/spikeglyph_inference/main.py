"""``spikeglyph-inference --host H --port P``: one uvicorn process serving the app."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn
from pydantic import ValidationError

from spikeglyph.errors import DeviceUnavailable
from spikeglyph.logs import configure_logging
from spikeglyph.runtime import select_providers
from spikeglyph.server.errors import validation_message
from spikeglyph_inference.app import create_app
from spikeglyph_inference.settings import Settings

log = logging.getLogger("spikeglyph_inference")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="spikeglyph-inference",
        description="SpikeGlyph inference service (settings from SPIKEGLYPH_* variables).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        problem = validation_message(exc.errors(include_input=False))
        sys.exit(f"spikeglyph-inference: invalid SPIKEGLYPH_* setting: {problem}")
    configure_logging(settings.log_level, json_lines=settings.log_json)
    try:
        providers = select_providers(settings.device)
    except DeviceUnavailable as exc:
        log.critical("cannot start: %s", exc.message)
        sys.exit(2)
    log.info("device %s, ONNX Runtime providers %s", settings.device, providers)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
