"""Serve the static frontend at ``/`` with caching that suits it.

The app's files keep their names across releases (plain ES modules, no content hashes), so
HTML, scripts and styles are served ``no-cache``: the browser keeps them but revalidates each
load, which costs a 304 and guarantees a new release never runs half old, half new. Images and
fonts rarely change and may be cached for a day.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = logging.getLogger(__name__)

REVALIDATED_SUFFIXES = (".html", ".js", ".mjs", ".css", ".json", ".webmanifest")
MEDIA_MAX_AGE_S = 86_400


def cache_control(path: str) -> str:
    if path.endswith(REVALIDATED_SUFFIXES):
        return "no-cache"
    return f"public, max-age={MEDIA_MAX_AGE_S}"


class FrontendFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = cache_control(str(full_path))
        return response


def mount_frontend(app: FastAPI, directory: Path) -> None:
    """Mount last, so every API route takes precedence over a file of the same name."""
    if not (directory / "index.html").is_file():
        log.warning("no frontend at %s: only the API is served", directory)
        return
    app.mount("/", FrontendFiles(directory=directory, html=True), name="frontend")
