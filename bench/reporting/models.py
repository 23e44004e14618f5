"""Renderers for the shipped models: accuracy from their manifests, speed from bench_model."""

from __future__ import annotations

from typing import Any

from reporting.catalog import command
from reporting.markdown import MISSING, code, dataset, from_bench, num, pct, ratio, table
from reporting.sources import Doc, Sources

ENGINES = (
    ("torch_eager", "eager torch"),
    ("torch_eager_logits_only", "eager torch, logits only"),
    ("snntorch_step_by_step", "snntorch step by step"),
)


def describe_architecture(arch: dict[str, Any]) -> str:
    """``conv 16-32 (pooling current), FC 256`` from a manifest's architecture spec."""
    kind = arch.get("kind", "?")
    if kind == "stdp":
        return f"STDP, {arch.get('neurons', '?')} excitatory neurons"
    if kind == "rstdp":
        learned = (arch.get("readout") or {}).get("learned_from", "?")
        return f"STDP, {arch.get('neurons', '?')} excitatory neurons, readout learnt from {learned}"
    text = str(kind)
    if arch.get("channels"):
        text += " " + "-".join(str(c) for c in arch["channels"])
        if arch.get("pool"):
            text += f" (pooling {arch['pool']})"
    if arch.get("hidden"):
        text += ", FC " + "-".join(str(h) for h in arch["hidden"])
    return text


def _training_time(metrics: dict[str, Any]) -> str:
    seconds = metrics.get("train_seconds")
    if seconds is None:
        return MISSING
    rate = metrics.get("train_samples_per_s")
    per_s = f" ({num(rate)} samples/s)" if rate else ""
    return f"{num(seconds / 60, 1)} min{per_s}"


def _parity(metrics: dict[str, Any]) -> str:
    parity = metrics.get("onnx_parity")
    if not isinstance(parity, dict):
        return MISSING
    same = "identical" if parity.get("identical_spike_counts") else "differ"
    agreement = pct(parity.get("prediction_agreement"), 1)
    return f"{agreement} predictions, spikes {same} (n = {parity.get('n', '?')})"


def _accuracy_row(name: str, manifest: Doc) -> list[str]:
    metrics = manifest.get("metrics", {})
    config = (manifest.get("training") or {}).get("config") or {}
    per_class = metrics.get("per_class_accuracy") or []
    epochs = str(config.get("epochs", MISSING))
    if metrics.get("best_epoch"):
        epochs += f" (best {metrics['best_epoch']})"
    return [
        code(f"models/{name}"),
        code(manifest.get("version", "?")),
        describe_architecture(manifest.get("architecture", {})),
        str(manifest.get("timesteps", MISSING)),
        epochs,
        f"{pct(metrics.get('val_accuracy'))} (n = {num(metrics.get('val_n'))})",
        f"**{pct(metrics.get('test_accuracy'))}**",
        f"{pct(min(per_class), 1)}" if per_class else MISSING,
        _training_time(metrics),
        _parity(metrics),
    ]


def render_accuracy(src: Sources) -> str:
    """Accuracy and training figures of every shipped model, from its manifest."""
    names = src.model_names()
    if not names:
        return "*No shipped model* (`models/*/manifest.json`): train one with `spikeglyph train`."
    rows = []
    created = []
    for name in names:
        manifest = src.manifest(name) or {}
        rows.append(_accuracy_row(name, manifest))
        created.append(f"`{name}` {str(manifest.get('created_at', '?'))[:16].replace('T', ' ')}")
    headers = [
        "model",
        "version",
        "network",
        "T",
        "epochs",
        "validation",
        "test",
        "worst class (validation)",
        "training time",
        "ONNX parity",
    ]
    return (
        table(headers, rows)
        + "\n\n*From* `models/*/manifest.json`, written by `spikeglyph train` (an R-STDP "
        + "readout: `spikeglyph readout`) when each model was made (epoch and readout "
        + "hyperparameters chosen on the validation split; the test split only reported); "
        + "created "
        + "; ".join(created)
        + " UTC."
    )


def _model_label(model: Doc) -> str:
    return (
        f"{dataset(model.get('dataset', '?'))} {model.get('architecture', '')}, "
        f"T = {model.get('timesteps', '?')} ({code(model.get('version', '?'))}, "
        f"test {pct(model.get('test_accuracy_onnx'))})"
    )


def _by_threads(keys: Any) -> list[str]:
    """``threads_1``, ``threads_2``, … in numeric order."""
    return sorted(keys, key=lambda key: int(key.rsplit("_", 1)[1]))


def _latency_row(label: str, threads: str, row: Doc) -> list[str]:
    ort = row["onnxruntime"]
    cells = [
        label,
        threads.rsplit("_", 1)[1],
        f"**{num(ort['p50_ms'], 3)}** / {num(ort['p99_ms'], 2)}",
    ]
    for engine, _ in ENGINES:
        timing = row.get(engine)
        if timing is None:
            cells += [MISSING, MISSING]
            continue
        cells.append(f"{num(timing['p50_ms'], 3)} / {num(timing['p99_ms'], 2)}")
        cells.append(f"**{ratio(row.get(f'speedup_vs_{engine}_p50'))}**")
    return cells


@from_bench("model")
def render_model_latency(doc: Doc) -> str:
    """Batch-1 latency, ONNX Runtime against eager torch and snntorch, per thread count."""
    headers = ["model", "threads", "ONNX Runtime p50 / p99 ms"]
    for _, title in ENGINES:
        headers += [f"{title} p50 / p99 ms", "ORT speed-up"]
    rows = [
        _latency_row(_model_label(model) if i == 0 else "", threads, model["batch1"][threads])
        for model in doc["models"]
        for i, threads in enumerate(_by_threads(model["batch1"]))
    ]
    return table(headers, rows)


@from_bench("model")
def render_model_batch(doc: Doc) -> str:
    """Batch-32 throughput of both engines, the int8 copy when shipped, file sizes."""
    rows = []
    for model in doc["models"]:
        int8 = model.get("int8") or {}
        sizes = model.get("model_files_kb") or {}
        rows.append(
            [
                _model_label(model),
                num(model.get("onnxruntime_batch32_per_s")),
                num(model.get("torch_eager_batch32_per_s")),
                pct(int8.get("test_accuracy_onnx")) if int8 else "no int8 copy",
                num((int8.get("batch1") or {}).get("p50_ms"), 3) if int8 else MISSING,
                ", ".join(f"{name} {num(kb)} KB" for name, kb in sorted(sizes.items())) or MISSING,
            ]
        )
    headers = [
        "model",
        "ONNX Runtime batch 32, images/s",
        "eager torch batch 32, images/s",
        "int8 copy: test accuracy",
        "int8 batch-1 p50 ms",
        "files",
    ]
    return table(headers, rows)


@from_bench("model")
def render_model_sweep(doc: Doc) -> str:
    """ONNX Runtime ms per image by batch size and intra-op threads."""
    swept = [model for model in doc["models"] if model.get("ms_per_image_by_batch")]
    if not swept:
        return f"*No batch sweep in this run* (add `--sweep`: `{command('model')}`)."
    sizes = sorted(
        {
            int(size)
            for model in swept
            for row in model["ms_per_image_by_batch"].values()
            for size in row
        }
    )
    rows = []
    for model in swept:
        by_threads = model["ms_per_image_by_batch"]
        for i, threads in enumerate(_by_threads(by_threads)):
            row = by_threads[threads]
            label = code(model.get("version", "?")) if i == 0 else ""
            rows.append(
                [label, threads.rsplit("_", 1)[1], *(num(row.get(str(s)), 3) for s in sizes)]
            )
    return table(["model", "threads", *(f"batch {s}" for s in sizes)], rows)
