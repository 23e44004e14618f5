"""The replica's weight-figure routes: any version the registry hands out, JSON and PNG, and
404 for what does not exist (the gateway relays these answers unchanged)."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image

from spikeglyph.errors import ModelNotFound
from spikeglyph.modeldir import Manifest, read_manifest
from tests.unit.figures.weight_models import MNIST, STDP

from .conftest import AppBuilder
from .fakes import FakeRegistry
from .test_predict_inputs import assert_error, run


class DirectoryRegistry(FakeRegistry):
    """Published versions are the shipped model directories."""

    def __init__(self, directories: list[Path]) -> None:
        super().__init__()
        self.directories = {read_manifest(d).version: d for d in directories}

    def load_verified(self, version: str) -> tuple[Path, Manifest]:
        if version not in self.directories:
            raise ModelNotFound(f"unknown model version {version!r}")
        directory = self.directories[version]
        return directory, read_manifest(directory)


def test_figures_of_a_published_version_not_served_here(build_app: AppBuilder) -> None:
    stdp = read_manifest(STDP).version

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        figures = await client.get(f"/v1/models/{stdp}/weights")
        png = await client.get(f"/v1/models/{stdp}/weights/exc.png")
        return [figures, png]

    figures, png = run(build_app, scenario, registry=DirectoryRegistry([MNIST, STDP]))
    assert figures.status_code == 200, figures.text
    answer = figures.json()
    assert answer["version"] == stdp and answer["kind"] == "stdp"
    assert [f["png"] for f in answer["figures"]] == [f"/api/v1/models/{stdp}/weights/exc.png"]
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).format == "PNG"


def test_unknown_versions_figures_and_parents_are_404(build_app: AppBuilder) -> None:
    mnist = read_manifest(MNIST).version

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.get("/v1/models/mnist-nope/weights"),
            await client.get(f"/v1/models/{mnist}/weights/nope.png"),
            await client.get(f"/v1/models/{mnist}/weights", params={"diff": "true"}),
        ]

    for answer in run(build_app, scenario, registry=DirectoryRegistry([MNIST])):
        assert_error(answer, 404, "model_not_found")


def test_without_a_registry_no_version_is_known(build_app: AppBuilder) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(f"/v1/models/{read_manifest(MNIST).version}/weights")

    assert_error(run(build_app, scenario), 404, "model_not_found")
