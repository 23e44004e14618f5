"""What the what-if knobs do to the shipped models, and what a what-if answer costs.

For each surrogate-gradient model, every knob is turned alone from the model's own settings
and the model's what-if graph (``model.whatif.onnx``, exactly what ``POST
/api/v1/predict/whatif`` runs) answers the first ``--limit`` test images: accuracy, mean spikes
and mean estimated energy per image for each setting. The model's own settings are checked
against the served graph (``model.onnx``) on the same images: the answers must be the same.

The cost: the median time of one what-if answer (a batch of two: the baseline and the knobs',
16 steps unrolled) against one prediction of the served graph, one image each, one ONNX Runtime
thread, measured in-process (no HTTP).

    python bench/bench_whatif.py [MODEL_DIR ...] [--limit 2000] [--timing-calls 300]
        [--out docs/bench/whatif.json]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, add_out_argument, data_dir, emit

from spikeglyph.data import load_split
from spikeglyph.modeldir import load_manifest
from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import LatencyMs
from spikeglyph.whatif import Occlusion, WhatIfKnobs
from spikeglyph.whatif_runtime import WhatIfRunner

DEFAULT_MODELS = [REPO / "models" / name for name in ("mnist", "fashion-mnist")]
_LATENCY = LatencyMs(total=0.0)
HALVES = {
    "top half": Occlusion(x=0, y=0, width=28, height=14),
    "bottom half": Occlusion(x=0, y=14, width=28, height=14),
    "left half": Occlusion(x=0, y=0, width=14, height=28),
    "right half": Occlusion(x=14, y=0, width=14, height=28),
}
SWEEPS: list[tuple[str, str, WhatIfKnobs]] = [
    ("model's own", "–", WhatIfKnobs()),
    *[
        ("threshold_scale", f"{s:g}", WhatIfKnobs(threshold_scale=s))
        for s in (0.5, 0.75, 1.25, 1.5, 2.0, 3.0)
    ],
    *[("timesteps", str(t), WhatIfKnobs(timesteps=t)) for t in (1, 2, 8, 16)],
    *[
        ("encoder", f"{e}, T = {t}", WhatIfKnobs(encoder=e, timesteps=t))  # type: ignore[arg-type]
        for e in ("rate", "latency")
        for t in (4, 16)
    ],
    *[("noise", f"{n:g}", WhatIfKnobs(noise=n, seed=0)) for n in (0.1, 0.2, 0.4)],
    *[("occlusion", name, WhatIfKnobs(occlusion=box)) for name, box in HALVES.items()],
]


def sweep(
    runner: WhatIfRunner, images: np.ndarray, labels: np.ndarray, batch: int
) -> list[dict[str, Any]]:
    rows = []
    for knob, setting, knobs in SWEEPS:
        resolved = runner.resolve(knobs)
        answers = []
        for i in range(0, len(images), batch):
            answers += runner.run([(image, resolved) for image in images[i : i + batch]])
        digits = np.array([a.digit for a in answers])
        spikes = [sum(layer.spikes for layer in a.spikes.layers) for a in answers if a.spikes]
        rows.append(
            {
                "knob": knob,
                "setting": setting,
                "knobs": resolved.model_dump(mode="json"),
                "accuracy": float((digits == labels).mean()),
                "spikes_per_image": float(np.mean(spikes)),
                "snn_nj_per_image": float(np.mean([a.energy.snn_nj for a in answers])),
            }
        )
        print(f"  {knob:16s} {setting:14s} {rows[-1]['accuracy']:.4f}")
    return rows


def served_agreement(model: Path, runner: WhatIfRunner, images: np.ndarray) -> float:
    """Fraction of images where the what-if graph at the model's own settings answers the
    served graph's class."""
    served = ModelRunner(model, device="cpu", intra_op_threads=1).run(images).logits.argmax(1)
    own = runner.resolve(WhatIfKnobs())
    whatif = [a.digit for a in runner.run([(image, own) for image in images])]
    return float((served == np.array(whatif)).mean())


def timing(model: Path, runner: WhatIfRunner, image: np.ndarray, calls: int) -> dict[str, float]:
    served = ModelRunner(model, device="cpu", intra_op_threads=1)
    knobs = WhatIfKnobs(threshold_scale=1.5)

    def median_ms(call: Any) -> float:
        for _ in range(20):
            call()
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    predict = median_ms(
        lambda: served.prediction(served.run(image[None]), 0, _LATENCY, image=image)
    )
    whatif = median_ms(lambda: runner.answer(image, knobs))
    return {"predict_ms": predict, "whatif_ms": whatif, "ratio": whatif / predict, "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path, default=DEFAULT_MODELS)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--timing-calls", type=int, default=300)
    add_out_argument(parser, "whatif")
    args = parser.parse_args()
    results = []
    for model in args.models:
        manifest = load_manifest(model)
        images, labels = load_split(data_dir(), manifest.dataset, "test")
        images = images[: args.limit].astype(np.float32) / 255.0
        labels = labels[: args.limit]
        runner = WhatIfRunner(model, manifest, device="cpu", intra_op_threads=1)
        print(f"{model.name}: {len(images)} test images")
        results.append(
            {
                "model": f"models/{model.name}",
                "version": manifest.version,
                "dataset": manifest.dataset,
                "timesteps": manifest.timesteps,
                "encoder": manifest.encoder.get("kind", "direct"),
                "n": len(images),
                "served_agreement": served_agreement(model, runner, images[:500]),
                "sweep": sweep(runner, images, labels, args.batch),
                "timing": timing(model, runner, images[0], args.timing_calls),
            }
        )
    emit("whatif", {"split": "test", "models": results}, args.out)


if __name__ == "__main__":
    main()
