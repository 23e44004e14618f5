"""Weight figures through the gateway: JSON to draw, PNG exports, the difference view, 404s."""

from __future__ import annotations

import base64
import contextlib
import io

import httpx
import numpy as np
import pytest
from PIL import Image

from spikeglyph.errors import VersionConflict
from spikeglyph.stores import ModelRegistry, connect
from tests.integration.gateway.stack import Gateway
from tests.support.stack import copy_model_as
from tests.unit.figures.weight_models import (
    STDP,
    exported_conv,
    neurogenesis_pair,
    version_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def published(stack: Gateway, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # Names of their own: the other modules of this session list the registry's versions.
    directory = tmp_path_factory.mktemp("weights")
    registry = ModelRegistry(connect(stack.redis_url), stack.artifacts_dir)
    parent, child, _, _ = neurogenesis_pair(directory, prefix="weights")
    stdp = copy_model_as(STDP, directory / "weights-stdp", "weights-stdp")
    conv, _ = exported_conv(directory, "weights-conv")
    for directory in (stdp, parent, child, conv):
        with contextlib.suppress(VersionConflict):  # published by an earlier module
            registry.publish(directory)
    return {
        "stdp": "weights-stdp",
        "parent": version_of(parent),
        "child": version_of(child),
        "conv": "weights-conv",
    }


def test_the_stdp_grid_has_every_neuron_labelled(
    http: httpx.Client, published: dict[str, str]
) -> None:
    response = http.get(f"/api/v1/models/{published['stdp']}/weights")
    assert response.status_code == 200
    answer = response.json()
    assert answer["kind"] == "stdp" and answer["diff"] is False
    (figure,) = answer["figures"]
    assert (figure["count"], figure["height"], figure["width"]) == (400, 28, 28)
    assert len(figure["labels"]) == 400 and set(figure["labels"]) <= set("0123456789–")
    assert len(base64.b64decode(figure["values"])) == 400 * 28 * 28
    png = http.get(figure["png"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size[0] > 1000


def test_a_conv_model_exported_now_shows_its_spike_triggered_averages(
    http: httpx.Client, published: dict[str, str]
) -> None:
    answer = http.get(f"/api/v1/models/{published['conv']}/weights").json()
    assert [f["name"] for f in answer["figures"]] == ["conv1", "conv2", "sta"]
    sta = answer["figures"][2]
    assert (sta["count"], sta["height"], sta["width"]) == (16, 28, 28)
    assert answer["notes"] == []  # nothing left out


def test_the_difference_view_marks_pruned_and_grown_units(
    http: httpx.Client, published: dict[str, str]
) -> None:
    answer = http.get(f"/api/v1/models/{published['child']}/weights?diff=true").json()
    assert answer["diff"] is True and answer["parent"] == published["parent"]
    conv1 = next(f for f in answer["figures"] if f["name"] == "conv1")
    assert conv1["marks"].count("grown") == 2 and conv1["marks"].count("pruned") == 2
    steps = np.frombuffer(base64.b64decode(conv1["values"]), dtype=np.int8)
    assert steps.size == 8 * 9
    assert http.get(conv1["png"]).status_code == 200


def test_unknown_versions_figures_and_missing_parents_are_404(
    http: httpx.Client, published: dict[str, str]
) -> None:
    for path in (
        "/api/v1/models/mnist-nope/weights",
        "/api/v1/models/mnist-nope/weights/conv1.png",
        f"/api/v1/models/{published['parent']}/weights/exc.png",
        f"/api/v1/models/{published['parent']}/weights?diff=true",
    ):
        response = http.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "model_not_found"
    assert http.get("/api/v1/models/bad%20name/weights").status_code in (400, 422)


def test_the_routes_are_documented_with_examples(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    route = paths["/api/v1/models/{version}/weights"]["get"]
    assert "example" in route["responses"]["200"]["content"]["application/json"]
    assert "404" in route["responses"]
    assert (
        "image/png"
        in paths["/api/v1/models/{version}/weights/{figure}.png"]["get"]["responses"]["200"][
            "content"
        ]
    )
