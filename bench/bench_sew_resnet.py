"""The spiking ResNet (SEW blocks) beside the shipped model of its dataset: accuracy, latency.

    .venv/bin/python bench/bench_sew_resnet.py [--dataset mnist] [--model var/mnist-sew]
        [--repeat 300] [--out docs/bench/sew_resnet.json]
    .venv/bin/python bench/bench_sew_resnet.py --dataset fashion-mnist   # sew_resnet_fashion

``--model`` is the model directory of the SEW run: the shipped recipe of the dataset with
``--residual 1`` (the commands are in docs/RESEARCH.md; a run resumes from its workdir's
checkpoints). Accuracy, per-epoch validation history and ONNX parity come from its manifest
(the test split evaluated once, after training, as for the shipped models); this times
single-image in-process inference (ONNX Runtime, one thread) of both networks in the same
process, taking turns, so the load of the machine weighs on both alike. The SEW networks ship
as the defaults only if each one's test accuracy beats its shipped model's at no more than
twice its latency, on both datasets (the report states the ruling over both runs).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import REPO, add_out_argument, data_dir, default_out, emit

from spikeglyph.data import load_split
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.modelio import load_model

NAMES = {"mnist": "sew_resnet", "fashion-mnist": "sew_resnet_fashion"}
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
    """This dataset's half of the ruling (the report joins both datasets')."""
    reasons = [
        reason
        for reason, holds in (
            ("the run is unfinished", not done),
            ("its test accuracy does not beat the shipped model's", not more_accurate),
            (f"it is more than {MAX_LATENCY_RATIO:g}× as slow", ratio > MAX_LATENCY_RATIO),
        )
        if holds
    ]
    ruling = "Fails the bar: " + "; ".join(reasons) if reasons else "Passes the bar"
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
    parser.add_argument("--dataset", choices=sorted(NAMES), default="mnist")
    parser.add_argument("--model", type=Path, help="the SEW run (default: var/DATASET-sew)")
    parser.add_argument("--repeat", type=int, default=300)
    add_out_argument(parser, NAMES["mnist"])  # Fashion-MNIST: docs/bench/sew_resnet_fashion.json
    args = parser.parse_args()
    dataset, name = args.dataset, NAMES[args.dataset]
    if args.out == default_out(NAMES["mnist"]):
        args.out = default_out(name)
    model_dir = args.model or REPO / "var" / f"{dataset}-sew"
    shipped_dir = REPO / "models" / dataset
    test, _ = load_split(data_dir(), dataset, "test", download=False)
    sew_net, sew = load_model(model_dir)
    if sew.dataset != dataset:
        parser.error(f"{model_dir} is a {sew.dataset} model, not {dataset}")
    shipped_net, shipped = load_model(shipped_dir)
    runners = {
        dataset: ModelRunner(shipped_dir, device="cpu", intra_op_threads=1),
        f"{dataset}-sew": ModelRunner(model_dir, device="cpu", intra_op_threads=1),
    }
    latency = _latencies(runners, test[:1].astype(np.float32) / 255, args.repeat)
    ratio = latency[f"{dataset}-sew"] / latency[dataset]
    recipe = sew.training["recipe"]
    done = (
        sew.metrics["best_epoch"] <= recipe["epochs"]
        and len(sew.training["history"]) == (recipe["epochs"])
    )
    more_accurate = sew.metrics["test_accuracy"] > shipped.metrics["test_accuracy"]
    models = [
        _row(dataset, "conv 16-32, FC 256, T = 4", shipped, shipped_net, latency[dataset]),
        _row(
            f"{dataset}-sew ({sew.version})",
            f"conv 16-32 + {sew.architecture['residual']} SEW block each, FC 256, T = 4",
            sew,
            sew_net,
            latency[f"{dataset}-sew"],
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
        "dataset": dataset,
        "done": done,
        "more_accurate": more_accurate,
        "models": models,
        "run": run,
        "latency_ratio": round(ratio, 3),
        "ships": False,
        "verdict": _verdict(done, more_accurate, ratio),
    }
    emit(name, result, args.out)


if __name__ == "__main__":
    main()
