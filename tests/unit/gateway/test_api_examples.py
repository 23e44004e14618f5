"""The OpenAPI response examples are the shipped model's real answers, and stay so."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from spikeglyph.schemas import ModelSummary, Prediction

REPO = Path(__file__).resolve().parents[3]
EXAMPLES_FILE = (
    REPO / "services" / "gateway" / "src" / "spikeglyph_gateway" / "routes" / "api_examples.json"
)


def generator() -> ModuleType:
    """``bench/make_api_examples.py``, the script that writes the committed examples."""
    spec = importlib.util.spec_from_file_location(
        "make_api_examples", REPO / "bench" / "make_api_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLES_FILE.read_text("utf-8"))
    return data


def test_the_committed_examples_are_what_the_shipped_model_answers() -> None:
    """Rerun ``bench/make_api_examples.py`` when this fails after shipping a model."""
    fresh, stored = generator().api_examples(), committed()
    assert fresh["model_entry"] == stored["model_entry"]
    new, old = fresh["prediction"], stored["prediction"]
    for key in ("digit", "label", "class_names", "model_version", "dataset", "latency_ms"):
        assert new[key] == old[key], key
    # ONNX Runtime may round differently on another CPU: tolerances far below what another
    # model would change (a different model moves probabilities by percents, SOPs by
    # thousands), far above float noise (one flipped spike of 3,000 moves SOPs by ~1e-4).
    assert new["probabilities"] == pytest.approx(old["probabilities"], abs=1e-4)
    assert new["confidence"] == pytest.approx(old["confidence"], abs=1e-4)
    for key in ("sops", "macs", "snn_nj", "ann_macs", "ann_nj", "ratio"):
        assert new["energy"][key] == pytest.approx(old["energy"][key], rel=1e-3), key
    assert new["energy"]["note"] == old["energy"]["note"]
    assert old["digit"] == 7  # the drawn 7 is read as a 7


def test_the_examples_are_valid_answers() -> None:
    stored = committed()
    prediction = Prediction.model_validate(stored["prediction"])
    assert prediction.energy.ratio == pytest.approx(
        prediction.energy.ann_nj / prediction.energy.snn_nj
    )
    ModelSummary.model_validate(stored["model_entry"])


PROBE = """
import json, sys
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings
doc = create_app(GatewaySettings()).openapi()
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('onnxruntime', 'onnx', 'torch'))
print(json.dumps({"heavy": heavy, "paths": doc["paths"]}))
"""


def without_nulls(value: Any) -> Any:
    """``value`` as the OpenAPI document renders it: FastAPI leaves out null members."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def test_the_gateway_serves_them_without_running_a_model() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    probe = json.loads(result.stdout)
    assert probe["heavy"] == []
    stored = without_nulls(committed())
    one = probe["paths"]["/api/v1/predict"]["post"]["responses"]["200"]
    example = one["content"]["application/json"]["examples"]["drawn_seven"]
    assert example["value"] == stored["prediction"]
    assert "latency figures are illustrative" in example["description"]
    batch = probe["paths"]["/api/v1/predict/batch"]["post"]["responses"]["200"]
    value = batch["content"]["application/json"]["examples"]["drawn_seven"]["value"]
    assert value == {"results": [stored["prediction"]]}
    models = probe["paths"]["/api/v1/models"]["get"]["responses"]["200"]
    assert models["content"]["application/json"]["example"] == [stored["model_entry"]]
