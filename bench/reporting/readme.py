"""The README's figures paragraph: a few headline figures, each from its committed JSON."""

from __future__ import annotations

from collections.abc import Callable

from reporting.markdown import LAYOUT_ERRORS, dataset, machine_of, num, pct
from reporting.sources import Doc, Sources

# What each headline needs, in the order the sentence lists what is still missing.
HEADLINES = {
    "model": "single-image latency against eager torch",
    "inference_http": "HTTP latency and throughput of one replica",
    "load": "load through the gateway",
    "energy": "energy per inference",
}


def _accuracy(src: Sources) -> str | None:
    mnist, fashion = src.manifest("mnist"), src.manifest("fashion-mnist")
    if mnist is None or fashion is None:
        return None
    return (
        f"MNIST **{pct(mnist['metrics']['test_accuracy'])}** and Fashion-MNIST "
        f"**{pct(fashion['metrics']['test_accuracy'])}** test accuracy with "
        f"{mnist['timesteps']} time steps; the MNIST model's training loop took "
        f"{num(mnist['metrics']['train_seconds'] / 60)} minutes"
    )


def _latency(doc: Doc) -> str:
    model = doc["models"][0]
    row = model["batch1"]["threads_1"]
    text = (
        f"{num(row['onnxruntime']['p50_ms'], 2)} ms per {dataset(model['dataset'])} image in "
        f"ONNX Runtime on one core ({num(row['speedup_vs_torch_eager_p50'], 1)}× the same "
        "network in eager torch"
    )
    snntorch = row.get("speedup_vs_snntorch_step_by_step_p50")
    if snntorch is not None:
        text += f", {num(snntorch, 1)}× its layers run step by step with snntorch"
    return text + ")"


def _http(doc: Doc) -> str:
    mode = doc["micro_batching"]
    return (
        f"{num(mode['batch1_latency_ms']['p50'], 2)} ms per prediction over HTTP and "
        f"{num(mode['under_load']['predictions_per_s'])} predictions/s from one replica at "
        f"{doc['clients']} clients"
    )


def _load(doc: Doc) -> str:
    reports = doc["reports"]
    clients = "/".join(sorted({str(r["clients"]) for r in reports}))
    seconds = num(max(r["seconds"] for r in reports))
    failed = sum(r["failed"] for r in reports)
    p99 = [r["p99_ms"] for r in reports]
    spread = f"{num(min(p99))}–{num(max(p99))}" if len(p99) > 1 else num(p99[0])
    scenarios = ", ".join(r["scenario"] for r in reports)
    return (
        f"through the gateway at {clients} clients for {seconds} s ({scenarios}): "
        f"{failed} failed requests, p99 {spread} ms"
    )


def _energy(doc: Doc) -> str:
    """The ratio of means of every model, arithmetic only, then what pricing memory does."""
    models = doc["models"]
    ratios = ", ".join(f"{num(m['ratio_of_means'], 1)}× for `{m['model']}`" for m in models)
    sram = ", ".join(num(m["with_weight_reads"]["sram"]["ratio"], 1) + "×" for m in models)
    return (
        "energy per inference of the equally sized non-spiking network over the spiking one's "
        f"(ratio of means over the test split, arithmetic only): {ratios}; memory access is "
        "left out, which favours the spiking network: with every weight read from SRAM priced "
        f"too, {sram} ([docs/ENERGY.md](docs/ENERGY.md))"
    )


SENTENCES: dict[str, Callable[[Doc], str]] = {
    "model": _latency,
    "inference_http": _http,
    "load": _load,
    "energy": _energy,
}


def _machines(docs: list[Doc]) -> str:
    machines = [m for m in map(machine_of, docs) if m is not None]
    kinds = sorted({f"{m.get('cores', '?')}-core {m.get('cpu', 'CPU')}" for m in machines})
    where = f"on a {kinds[0]}" if len(kinds) == 1 else "on the machines named there"
    loads = [m["load_1min_at_start"] for m in machines if m.get("load_1min_at_start") is not None]
    cores = min((m.get("cores") or 1 for m in machines), default=1)
    if loads and max(loads) >= cores / 2:
        where += f", shared with other work (load average up to {num(max(loads), 1)})"
    return where


def render_readme(src: Sources) -> str:
    """Headline figures, each from its JSON, and what is not measured yet."""
    parts, used, missing = [], [], []
    accuracy = _accuracy(src)
    if accuracy:
        parts.append(accuracy)
    for name, sentence in SENTENCES.items():
        doc = src.bench(name)
        if doc is None:
            missing.append(HEADLINES[name])
            continue
        try:
            parts.append(sentence(doc))
            used.append(doc)
        except LAYOUT_ERRORS as exc:
            src.fallbacks.append(f"README sentence from docs/bench/{name}.json: {exc!r}")
            missing.append(HEADLINES[name])
    text = "Generated from the committed results in `docs/bench/` and the models' manifests"
    if used:
        text += f", measured {_machines(used)}"
    text += (": " + "; ".join(parts) + ".") if parts else "."
    if missing:
        text += f" Not measured yet on the current code: {', '.join(missing)}."
    return text + " Commands, machines and dates: [docs/BENCHMARKS.md](docs/BENCHMARKS.md)."
