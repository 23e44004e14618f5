"""Accuracy, single-image latency and energy of shipped models: ONNX Runtime vs eager torch.

For each model directory: test accuracy with ONNX Runtime (what the services run; the test
split is only reported, never used to select), batch-1 latency of ONNX Runtime and of the
same network in eager torch (``torch.inference_mode``; with the same telemetry outputs as the
ONNX graph, and once more asked for its logits only) measured side by side in alternating
blocks, once per intra-op thread count with every engine given the same threads (the default,
1 and 2, covers one core and all of this machine's), batch-32 throughput of both and the int8
copy when present. Energy per inference is ``bench/bench_energy.py``'s (the whole test split,
ratio of mean energies).

    python bench/bench_model.py models/mnist models/fashion-mnist [--repeat 2000] [--threads 1 2]
        [--sweep] [--against OTHER_MODEL_DIR] [--out docs/bench/model.json]

``--against`` runs another export of the same network (an earlier graph, say) as one more
engine in the same alternating blocks, so that a graph change is measured side by side.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import add_out_argument, data_dir, emit, percentiles
from bench_train_speed import PlainSnntorch

from spikeglyph.data import load_split
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.modelio import load_model
from spikeglyph.train.network import SpikingNet


def side_by_side(
    engines: dict[str, Any], inputs: list[np.ndarray], repeat: int, block: int = 50
) -> dict[str, list[float]]:
    """Batch-1 latencies (ms) of each engine, measured in alternating blocks of ``block`` calls
    so that any drift of the machine's speed during the run reaches every engine alike."""
    for fn in engines.values():
        for x in inputs[:50]:
            fn(x)
    out: dict[str, list[float]] = {name: [] for name in engines}
    i = 0
    while i < repeat:
        for name, fn in engines.items():
            for j in range(i, min(i + block, repeat)):
                x = inputs[j % len(inputs)]
                start = time.perf_counter()
                fn(x)
                out[name].append((time.perf_counter() - start) * 1e3)
        i += block
    return out


def _accuracy(runner: ModelRunner, images: np.ndarray, labels: np.ndarray) -> float:
    preds = [
        runner.run(images[i : i + 500].astype(np.float32) / 255.0).logits.argmax(1)
        for i in range(0, len(images), 500)
    ]
    return float((np.concatenate(preds) == labels).mean())


def batch_sweep(model_dir: Path, images: np.ndarray) -> dict[str, dict[int, float]]:
    """ONNX Runtime ms per image by batch size, with one and with two intra-op threads."""
    sweep: dict[str, dict[int, float]] = {}
    for threads in (1, 2):
        runner = ModelRunner(model_dir, device="cpu", intra_op_threads=threads)
        row = {}
        for size in (1, 2, 4, 8, 16, 32, 64):
            batch = images[:size]
            for _ in range(5):
                runner.run(batch)
            calls = max(10, 400 // size)
            start = time.perf_counter()
            for _ in range(calls):
                runner.run(batch)
            row[size] = round((time.perf_counter() - start) / (calls * size) * 1e3, 3)
        sweep[f"threads_{threads}"] = row
    return sweep


def batch1(
    model_dir: Path,
    net: SpikingNet | None,
    singles: list[np.ndarray],
    repeat: int,
    threads: int,
    against: Path | None = None,
) -> dict[str, Any]:
    """ONNX Runtime against eager torch ``net`` (and snntorch's step-by-step style, and the ONNX
    graph of ``against`` when given) at batch 1, every engine with ``threads`` intra-op threads,
    side by side."""
    runner = ModelRunner(model_dir, device="cpu", intra_op_threads=threads)
    torch.set_num_threads(threads)
    engines: dict[str, Any] = {"onnxruntime": runner.run}
    if against is not None:
        other = ModelRunner(against, device="cpu", intra_op_threads=threads)
        engines["onnxruntime_against"] = other.run
    if net is not None:

        @torch.inference_mode()
        def eager(x: np.ndarray) -> Any:
            return net(torch.from_numpy(x), telemetry=True)

        @torch.inference_mode()
        def eager_logits(x: np.ndarray) -> Any:
            return net(torch.from_numpy(x))

        engines["torch_eager"] = eager
        # The same network asked for its logits only: less work than the ONNX graph, which
        # always computes the telemetry too, so this comparison favours torch.
        engines["torch_eager_logits_only"] = eager_logits
        arch = net.arch
        if arch.kind == "conv" and arch.kernel == 3 and not arch.neuron.adaptive:
            # The same layers the way snntorch's tutorials run them: step by step, Leaky
            # neurons, logits only (no telemetry at all, so the comparison favours it).
            plain = PlainSnntorch(
                runner.manifest.timesteps, arch.channels, arch.hidden, arch.pool
            ).eval()

            @torch.inference_mode()
            def snntorch_eager(x: np.ndarray) -> Any:
                return plain(torch.from_numpy(x))

            engines["snntorch_step_by_step"] = snntorch_eager
    latencies = side_by_side(engines, singles, repeat)
    row: dict[str, Any] = {name: percentiles(ms) for name, ms in latencies.items()}
    ort_p50 = row["onnxruntime"]["p50_ms"]
    for name in engines:
        if name != "onnxruntime":
            row[f"speedup_vs_{name}_p50"] = round(row[name]["p50_ms"] / ort_p50, 2)
    return row


def bench_model(
    model_dir: Path, repeat: int, threads: list[int], sweep: bool, against: Path | None = None
) -> dict[str, Any]:
    runner = ModelRunner(model_dir, device="cpu", intra_op_threads=threads[0])
    manifest = runner.manifest
    test_x, test_y = load_split(data_dir(), manifest.dataset, "test")
    singles = [test_x[i : i + 1].astype(np.float32)[:, None] / 255.0 for i in range(256)]
    net = load_model(model_dir)[0].eval() if manifest.family == "surrogate" else None
    result: dict[str, Any] = {
        "model": str(model_dir),
        "version": manifest.version,
        "dataset": manifest.dataset,
        "timesteps": manifest.timesteps,
        "architecture": manifest.architecture.get("kind"),
        "test_accuracy_onnx": _accuracy(runner, test_x, test_y),
        "batch1": {
            f"threads_{n}": batch1(model_dir, net, singles, repeat, n, against) for n in threads
        },
    }
    torch.set_num_threads(threads[0])
    if net is not None:
        batch = np.concatenate(singles[:32])
        with torch.inference_mode():
            net(torch.from_numpy(batch), telemetry=True)
            start = time.perf_counter()
            for _ in range(50):
                net(torch.from_numpy(batch), telemetry=True)
        result["torch_eager_batch32_per_s"] = round(50 * 32 / (time.perf_counter() - start), 1)
    batch = np.concatenate(singles[:32])
    start = time.perf_counter()
    for _ in range(50):
        runner.run(batch)
    result["onnxruntime_batch32_per_s"] = round(50 * 32 / (time.perf_counter() - start), 1)
    if "int8" in manifest.variants:
        int8 = ModelRunner(model_dir, device="cpu", variant="int8", intra_op_threads=threads[0])
        result["int8"] = {
            "test_accuracy_onnx": _accuracy(int8, test_x, test_y),
            "batch1": percentiles(side_by_side({"int8": int8.run}, singles, repeat)["int8"]),
        }
    if sweep:
        result["ms_per_image_by_batch"] = batch_sweep(model_dir, np.concatenate(singles[:64]))
    result["neurons"] = manifest.neurons
    result["model_files_kb"] = {
        name: round((Path(model_dir) / name).stat().st_size / 1024, 1) for name in manifest.files
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="intra-op thread counts to compare the engines at (each engine gets the same)",
    )
    parser.add_argument(
        "--sweep", action="store_true", help="also ms per image by batch size, 1 and 2 threads"
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="another export of the same network, measured side by side with the first model",
    )
    add_out_argument(parser, "model")
    args = parser.parse_args()
    if args.against is not None and len(args.models) != 1:
        parser.error("--against compares with one model directory")
    emit(
        "model",
        {
            "models": [
                bench_model(m, args.repeat, args.threads, args.sweep, args.against)
                for m in args.models
            ],
            "against": None if args.against is None else str(args.against),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
