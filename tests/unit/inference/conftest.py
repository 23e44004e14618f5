"""Building inference apps around fake runners for the unit tests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from spikeglyph_inference.app import create_app
from spikeglyph_inference.model_holder import Registry
from spikeglyph_inference.settings import Settings

from .fakes import FakeRunner, runner_by_dir

AppBuilder = Callable[..., tuple[FastAPI, dict[str, FakeRunner]]]


@pytest.fixture()
def build_app(tmp_path: Path) -> AppBuilder:
    """``build_app(runners=..., registry=..., **settings)`` → (app, runners by version).

    The shipped default model directory is ``<tmp>/models/mnist``, served by the fake runner
    registered under ``"mnist"`` (version ``default``) unless ``runners`` says otherwise.
    """

    def build(
        *,
        runners: dict[str, FakeRunner] | None = None,
        registry: Registry | None = None,
        **overrides: Any,
    ) -> tuple[FastAPI, dict[str, FakeRunner]]:
        table = runners if runners is not None else {"mnist": FakeRunner("default")}
        settings = Settings(models_dir=tmp_path / "models", **overrides)

        @contextlib.contextmanager
        def registry_factory(_: Settings) -> Iterator[Registry | None]:
            yield registry

        app = create_app(
            settings, runner_factory=runner_by_dir(table), registry_factory=registry_factory
        )
        return app, table

    return build
