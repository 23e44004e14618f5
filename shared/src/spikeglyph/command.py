"""The ``spikeglyph`` command's entry point.

The command lives in :mod:`spikeglyph.cli` and needs the ``cli`` extra (typer, rich); a base
install (``pip install spikeglyph``: the core and the HTTP client) has the command too, so
without those libraries it says what to install instead of printing a traceback.
"""

from __future__ import annotations

import importlib
import sys

CLI_LIBRARIES = frozenset({"typer", "rich", "click"})


def main() -> None:
    try:
        cli = importlib.import_module("spikeglyph.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in CLI_LIBRARIES:
            raise
        sys.stderr.write(
            f"spikeglyph: this command needs the cli extra ({exc.name} is not installed): "
            "pip install 'spikeglyph[cli]'\n"
        )
        raise SystemExit(2) from None
    cli.main()
