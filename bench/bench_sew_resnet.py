"""The spiking ResNet (SEW blocks) beside the shipped MNIST model: accuracy and latency.

    .venv/bin/python bench/bench_sew_resnet.py [--model var/mnist-sew] [--repeat 300]
        [--out docs/bench/sew_resnet.json]

``--model`` is the model directory of the SEW run: the shipped MNIST recipe with
``--residual 1`` (the command is in docs/RESEARCH.md; it resumes from its workdir's
checkpoints). Accuracy, per-epoch validation history and ONNX parity come from its manifest
(the test split evaluated once, after training, as for the shipped models); this times
single-image in-process inference (ONNX Runtime, one thread) of both networks in the same
process, taking turns, so the load of the machine weighs on both alike. The SEW network ships
as the default only if its test accuracy beats the shipped model's at no more than twice its
latency (and a Fashion-MNIST counterpart does the same for garments).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import REPO, add_out_argument, data_dir, emit

from spikeglyph.data import load_split
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.modelio import load_model

NAME = "sew_resnet"
SHIPPED = REPO / "models" / "mnist"
MAX_LATENCY_RATIO = 2.0


def _params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def _latencies(runners: dict[str, ModelRunner], image: np.ndarray, repeat: int) -> dict[str, float]:
    """Median ms per single-image run, the runners taking turns."""
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for runner in runners.values():
        runner.warmup((1,))
    for _ in range(repeat):
        for name, runner in runners.items():
            start = time.perf_counter()
            runner.run(image)
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def _verdict(done: bool, more_accurate: bool, ratio: float) -> str:
    reasons = [
        reason
        for reason, holds in (
            ("the run is unfinished", not done),
            ("its test accuracy does not beat the shipped model's", not more_accurate),
            (f"it is more than {MAX_LATENCY_RATIO:g}× as slow", ratio > MAX_LATENCY_RATIO),
            ("no Fashion-MNIST counterpart has been trained to replace that default too", True),
        )
        if holds
    ]
    ruling = "Not shipped as the default: " + "; ".join(reasons) if reasons else "Shipped."
    return f"Latency ratio {ratio:.3f}× (limit {MAX_LATENCY_RATIO:g}×). {ruling}."


def _row(name: str, what: str, manifest: Any, net: torch.nn.Module, ms: float) -> dict[str, Any]:
    return {
        "name": name,
        "architecture": what,
        "val_accuracy": f"{100 * manifest.metrics['val_accuracy']:.2f}",
        "test_accuracy": f"{100 * manifest.metrics['test_accuracy']:.2f}",
        "latency_ms_median": round(ms, 3),
        "params": _params(net),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "var/mnist-sew")
    parser.add_argument("--repeat", type=int, default=300)
    add_out_argument(parser, NAME)
    args = parser.parse_args()
    test, _ = load_split(data_dir(), "mnist", "test", download=False)
    sew_net, sew = load_model(args.model)
    shipped_net, shipped = load_model(SHIPPED)
    runners = {
        "mnist": ModelRunner(SHIPPED, device="cpu", intra_op_threads=1),
        "mnist-sew": ModelRunner(args.model, device="cpu", intra_op_threads=1),
    }
    latency = _latencies(runners, test[:1].astype(np.float32) / 255, args.repeat)
    ratio = latency["mnist-sew"] / latency["mnist"]
    recipe = sew.training["recipe"]
    done = (
        sew.metrics["best_epoch"] <= recipe["epochs"]
        and len(sew.training["history"]) == (recipe["epochs"])
    )
    more_accurate = sew.metrics["test_accuracy"] > shipped.metrics["test_accuracy"]
    models = [
        _row("mnist", "conv 16-32, FC 256, T = 4", shipped, shipped_net, latency["mnist"]),
        _row(
            f"mnist-sew ({sew.version})",
            f"conv 16-32 + {sew.architecture['residual']} SEW block each, FC 256, T = 4",
            sew,
            sew_net,
            latency["mnist-sew"],
        ),
    ]
    run = {
        "epochs_done": len(sew.training["history"]),
        "epochs_planned": recipe["epochs"],
        "best_epoch": sew.metrics["best_epoch"],
        "history": sew.training["history"],
        "train_minutes": round(sew.metrics["train_seconds"] / 60, 1),
        "onnx_parity": sew.metrics["onnx_parity"],
        "spikes_per_inference": sew.spikes_per_inference,
        "sops_per_inference": sew.sops_per_inference,
        "shipped_sops_per_inference": shipped.sops_per_inference,
    }
    result = {
        "models": models,
        "run": run,
        "latency_ratio": round(ratio, 3),
        "ships": False,
        "verdict": _verdict(done, more_accurate, ratio),
    }
    emit(NAME, result, args.out)


if __name__ == "__main__":
    main()
