"""Write the gateway's OpenAPI response examples from the shipped MNIST model.

The prediction example is what ``models/mnist`` answers for the hand-drawn 7 that the request
example sends (``example_seven.png`` beside the gateway's ``routes/examples.py``), through the
same preprocessing and ONNX graph as the inference service: digit, probabilities, confidence
and energy are real; only the latency figures are fixed illustrative values. The model example
is the shipped manifest's. The gateway reads the JSON at import and never runs a model.

    python bench/make_api_examples.py [--model models/mnist] [--out ...api_examples.json]

``tests/unit/gateway/test_api_examples.py`` regenerates the examples with the shipped model
and fails when the committed file differs: rerun this script after shipping a new model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from spikeglyph.preprocess import preprocess
from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import LatencyMs

REPO = Path(__file__).resolve().parents[1]
ROUTES = REPO / "services" / "gateway" / "src" / "spikeglyph_gateway" / "routes"
EXAMPLE_IMAGE = ROUTES / "example_seven.png"
EXAMPLES_FILE = ROUTES / "api_examples.json"
SHIPPED_MODEL = REPO / "models" / "mnist"
ILLUSTRATIVE_LATENCY = LatencyMs(queue=0.4, preprocess=0.6, compute=2.1, gateway=0.9, total=4.0)
MODEL_METRICS = ("val_accuracy", "test_accuracy")


def prediction_example(model_dir: Path, image_png: bytes) -> dict[str, Any]:
    """The compact answer of ``model_dir`` for ``image_png``, with illustrative latencies."""
    runner = ModelRunner(model_dir, device="cpu")
    image = preprocess(image_png, dataset=runner.manifest.dataset)
    outputs = runner.run(image[None])
    answer = runner.prediction(outputs, 0, ILLUSTRATIVE_LATENCY, compact=True)
    return answer.model_dump(mode="json")


def model_example(model_dir: Path) -> dict[str, Any]:
    """The listing entry of ``model_dir``'s manifest (a subset of its fields), marked active."""
    manifest = ModelRunner(model_dir, device="cpu").manifest
    return {
        "version": manifest.version,
        "active": True,
        "dataset": manifest.dataset,
        "family": manifest.family,
        "timesteps": manifest.timesteps,
        "metrics": {k: manifest.metrics[k] for k in MODEL_METRICS if k in manifest.metrics},
        "parent": manifest.parent,
        "created_at": manifest.created_at.isoformat().replace("+00:00", "Z"),
    }


def api_examples(model_dir: Path = SHIPPED_MODEL) -> dict[str, Any]:
    return {
        "generated_by": "bench/make_api_examples.py",
        "model": str(model_dir.resolve().relative_to(REPO)),
        "image": EXAMPLE_IMAGE.name,
        "prediction": prediction_example(model_dir, EXAMPLE_IMAGE.read_bytes()),
        "model_entry": model_example(model_dir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--out", type=Path, default=EXAMPLES_FILE)
    args = parser.parse_args()
    text = json.dumps(api_examples(args.model), indent=2, ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
