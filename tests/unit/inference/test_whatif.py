"""``POST /v1/predict/whatif`` on the shipped model: the baseline is the served answer, the
knobs move it, every range is enforced with a message naming the knob, and a version without
a what-if graph says so."""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from spikeglyph.runtime import ModelRunner
from spikeglyph_inference.app import create_app
from spikeglyph_inference.settings import Settings

REPO = Path(__file__).resolve().parents[3]


def _seven() -> str:
    pixels = np.zeros((28, 28), np.uint8)
    pixels[6:9, 7:21] = 255  # the bar of a 7
    for row in range(9, 23):  # its stem, slanting left
        col = 19 - (row - 9) // 2
        pixels[row, col - 1 : col + 2] = 255
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


SEVEN = _seven()


def _client(models: Path) -> Iterator[TestClient]:
    settings = Settings(models_dir=models, device="cpu")
    app = create_app(
        settings,
        runner_factory=lambda path: ModelRunner(path, device="cpu"),
        registry_factory=_no_registry,
    )
    with TestClient(app) as client:
        yield client


def _no_registry(_: Settings) -> Any:
    import contextlib

    return contextlib.nullcontext(None)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from _client(REPO / "models")


def _spikes(prediction: dict[str, Any]) -> int:
    return sum(layer["spikes"] for layer in prediction["spikes"]["layers"])


def test_the_baseline_is_the_served_answer(client: TestClient) -> None:
    served = client.post("/v1/predict", json={"image": SEVEN}).json()
    answer = client.post("/v1/predict/whatif", json={"image": SEVEN})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    for key in ("digit", "probabilities", "energy", "input"):
        assert body["baseline"][key] == served[key]
        assert body["whatif"][key] == served[key]
    assert body["baseline"]["spikes"] == served["spikes"]
    assert body["knobs"] == body["baseline_knobs"]
    assert body["knobs"]["timesteps"] == 4 and body["knobs"]["encoder"] == "direct"


def test_the_knobs_move_the_answer(client: TestClient) -> None:
    def whatif(**knobs: Any) -> dict[str, Any]:
        answer = client.post("/v1/predict/whatif", json={"image": SEVEN, **knobs})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    base = whatif()["baseline"]
    assert _spikes(whatif(threshold_scale=2.0)["whatif"]) < _spikes(base)
    assert _spikes(whatif(threshold_scale=0.5)["whatif"]) > _spikes(base)
    long = whatif(timesteps=12)["whatif"]
    assert long["spikes"]["timesteps"] == 12 and len(long["spikes"]["output_raster"]) == 12
    assert long["energy"]["sops"] > base["energy"]["sops"]
    rate = whatif(encoder="rate", seed=7, timesteps=8)["whatif"]
    assert rate["energy"]["macs"] == 0 and len(rate["spikes"]["input_raster"]) == 8
    assert rate == whatif(encoder="rate", seed=7, timesteps=8)["whatif"] | {
        "latency_ms": rate["latency_ms"]
    }
    hidden = whatif(occlusion={"x": 0, "y": 0, "width": 28, "height": 28})["whatif"]
    assert not np.asarray(hidden["input"]).any()
    noisy = whatif(noise=0.4, seed=1)["whatif"]
    assert noisy["input"] != base["input"]


@pytest.mark.parametrize(
    ("knobs", "named"),
    [
        ({"threshold_scale": 0.1}, "threshold_scale must be between 0.25 and 4"),
        ({"threshold_scale": 4.5}, "threshold_scale must be between 0.25 and 4"),
        ({"timesteps": 0}, "timesteps must be between 1 and 16"),
        ({"timesteps": 17}, "timesteps must be between 1 and 16"),
        ({"noise": 1.5}, "noise must be between 0 and 1"),
        ({"seed": -1}, "seed must be between 0 and 2147483647"),
        ({"encoder": "poisson"}, "encoder"),
        ({"occlusion": {"x": 28, "y": 0, "width": 1, "height": 1}}, "occlusion.x must be"),
        ({"occlusion": {"x": 20, "y": 0, "width": 9, "height": 1}}, "inside the 28×28 input"),
        ({"brightness": 2}, "brightness"),
    ],
)
def test_a_knob_out_of_range_is_refused_naming_it(
    client: TestClient, knobs: dict[str, Any], named: str
) -> None:
    answer = client.post("/v1/predict/whatif", json={"image": SEVEN, **knobs})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert named in error["message"]


def test_a_version_without_a_whatif_graph_says_so(tmp_path: Path) -> None:
    shutil.copytree(REPO / "models" / "mnist-stdp", tmp_path / "mnist")
    for client in _client(tmp_path):
        assert client.post("/v1/predict", json={"image": SEVEN}).status_code == 200
        answer = client.post("/v1/predict/whatif", json={"image": SEVEN})
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "whatif_unavailable"


def test_predictions_never_load_the_whatif_graph(tmp_path: Path) -> None:
    shutil.copytree(REPO / "models" / "mnist", tmp_path / "mnist")
    for client in _client(tmp_path):
        for _ in range(3):
            assert client.post("/v1/predict", json={"image": SEVEN}).status_code == 200
        runners = client.app.state.whatif  # type: ignore[attr-defined]
        assert runners._runner is None
        assert client.post("/v1/predict/whatif", json={"image": SEVEN}).status_code == 200
        assert runners._runner is not None


def test_the_whatif_graph_follows_the_served_version(tmp_path: Path) -> None:
    from spikeglyph.modeldir import load_manifest, write_model_dir
    from spikeglyph_inference.whatif import WhatIfRunners

    source = REPO / "models" / "mnist"
    first = ModelRunner(source, device="cpu")
    manifest = load_manifest(source).model_copy(update={"version": "mnist-copy"})
    files = {name: source / name for name in manifest.files}
    write_model_dir(tmp_path / "copy", manifest, files)
    second = ModelRunner(tmp_path / "copy", device="cpu")
    runners = WhatIfRunners(Settings(device="cpu"))
    runner = runners.runner_for(first)
    assert runners.runner_for(first) is runner  # loaded once per version
    swapped = runners.runner_for(second)
    assert swapped is not runner and swapped.manifest.version == "mnist-copy"


def test_at_most_two_whatif_runs_at_once() -> None:
    import asyncio

    from spikeglyph.errors import ServiceOverloaded
    from spikeglyph.whatif import WhatIfKnobs
    from spikeglyph_inference.whatif import MAX_RUNNING, WhatIfRunners

    runners = WhatIfRunners(Settings(device="cpu"))
    runners._running = MAX_RUNNING  # two runs in flight
    served = ModelRunner(REPO / "models" / "mnist", device="cpu")
    with pytest.raises(ServiceOverloaded):
        asyncio.run(runners.answer(served, b"", WhatIfKnobs()))
