"""The project's targets, each judged from the committed JSON that measures it.

A target names its source (a bench result, or a shipped model's manifest) and a judge that
turns that JSON into the figure shown and whether the target is met. When a run's settings
fall short of the target's (fewer clients, a shorter run) the judge still says whether the
figure meets the bound, and notes the difference, so a quick run is never mistaken for the
real one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reporting.fixedpoint import judge_fixedpoint
from reporting.markdown import MISSING, dataset, num, pct
from reporting.nir import judge_nir
from reporting.peers import judge_batch1, judge_full, judge_throughput
from reporting.reproduce import judge_reproductions
from reporting.sources import Doc
from reporting.stdp import ratio_settings
from reporting.verdict import Verdict, settings_note

MB = 1_000_000


@dataclass(frozen=True)
class Target:
    claim: str
    # A bench name; "models/<name>" for a shipped model's manifest; "<prefix>*" for every
    # bench result whose name starts with the prefix, judged together (summary.COLLECTED).
    source: str
    judge: Callable[[Doc], Verdict]
    # Whether a busy machine makes the figure provisional (speed), or cannot (correctness).
    timing: bool = True


def _accuracy(bound: float) -> Callable[[Doc], Verdict]:
    def judge(manifest: Doc) -> Verdict:
        accuracy, steps = manifest["metrics"]["test_accuracy"], manifest["timesteps"]
        return Verdict(f"{pct(accuracy)}, T = {steps}", accuracy >= bound and steps <= 8)

    return judge


def _training_time(manifest: Doc) -> Verdict:
    seconds = manifest["metrics"]["train_seconds"]
    figure = f"{num(seconds / 60, 1)} min in the training loop"
    return Verdict(figure, seconds <= 3600, "the manifest records the loop, not the command")


def _stdp_accuracy(manifest: Doc) -> Verdict:
    accuracy, neurons = manifest["metrics"]["test_accuracy"], manifest["architecture"]["neurons"]
    figure = f"{pct(accuracy)} with {neurons} neurons"
    return Verdict(figure, accuracy >= 0.88, settings_note(neurons=(neurons, 400)))


def _rstdp_accuracy(manifest: Doc) -> Verdict:
    accuracy = manifest["metrics"]["test_accuracy"]
    learned = manifest["architecture"]["readout"]["learned_from"]
    figure = f"{pct(accuracy)}, readout learnt from {learned}"
    return Verdict(figure, accuracy >= 0.85 and learned == "reward")


def _ort_latency(doc: Doc) -> Verdict:
    values = [model["batch1"]["threads_1"]["onnxruntime"]["p50_ms"] for model in doc["models"]]
    figure = ", ".join(
        f"{dataset(model['dataset'])} {num(v, 3)} ms"
        for model, v in zip(doc["models"], values, strict=True)
    )
    return Verdict(f"p50 {figure}, one thread", max(values) <= 1.0)


def _ort_speedup(doc: Doc) -> Verdict:
    values = [model["batch1"]["threads_1"]["speedup_vs_torch_eager_p50"] for model in doc["models"]]
    figure = ", ".join(
        f"{dataset(model['dataset'])} {num(v, 1)}×"
        for model, v in zip(doc["models"], values, strict=True)
    )
    return Verdict(f"{figure}, one thread each", min(values) >= 5.0)


def _train_speed(doc: Doc) -> Verdict:
    rates = doc["samples_per_s"]
    figure = f"{num(rates['spikeglyph'])} vs {num(rates['snntorch'])} samples/s"
    return Verdict(f"{figure} ({num(doc['speedup'], 2)}×)", doc["speedup"] > 1.0)


def _import(doc: Doc) -> Verdict:
    slowest, torch = doc["core_slowest_import_ms"], doc["core_pulls_torch"]
    figure = f"slowest {num(slowest)} ms; torch {'loaded' if torch else 'never loaded'}"
    return Verdict(figure, slowest < 1000 and not torch)


def _http_latency(doc: Doc) -> Verdict:
    p50 = doc["micro_batching"]["batch1_latency_ms"]["p50"]
    return Verdict(f"p50 {num(p50, 2)} ms", p50 <= 5.0)


def _http_throughput(doc: Doc) -> Verdict:
    loaded = doc["micro_batching"]["under_load"]
    figure = f"{num(loaded['predictions_per_s'])} /s, {loaded['failed']} failed"
    met = loaded["predictions_per_s"] >= 500 and loaded["failed"] == 0
    return Verdict(figure, met, settings_note(clients=(doc["clients"], 32)))


def _http_memory(doc: Doc) -> Verdict:
    peak = max(doc[mode]["memory_kb"]["VmHWM"] for mode in ("micro_batching", "no_batching"))
    return Verdict(f"peak {num(peak * 1024 / MB)} MB", peak * 1024 <= 300 * MB)


def _gateway(doc: Doc) -> Verdict:
    run = doc["through_gateway"]
    figure = (
        f"{num(run['throughput_rps'])} /s, p99 {num(run['p99_ms'], 1)} ms, {run['errors']} errors"
    )
    met = run["throughput_rps"] >= 300 and run["p99_ms"] <= 100 and run["errors"] == 0
    return Verdict(figure, met, settings_note(clients=(doc["concurrency"], 32)))


def _scenario(doc: Doc, name: str) -> Doc | None:
    return next((r for r in doc["reports"] if r["scenario"] == name), None)


def _load_steady(doc: Doc) -> Verdict:
    steady = _scenario(doc, "steady")
    if steady is None:
        return Verdict(MISSING, None, "no steady scenario in this run")
    figure = f"{steady['failed']} failed, p99 {num(steady['p99_ms'], 1)} ms"
    met = steady["failed"] == 0 and steady["p99_ms"] <= 250
    seconds = 60 if steady["seconds"] >= 57 else round(steady["seconds"])
    return Verdict(figure, met, settings_note(clients=(steady["clients"], 64), s=(seconds, 60)))


def _load_faults(doc: Doc) -> Verdict:
    found = {name: _scenario(doc, name) for name in ("hotswap", "replica-loss")}
    ran = {name: r for name, r in found.items() if r is not None}
    if not ran:
        return Verdict(MISSING, None, "neither scenario in this run")
    figure = "; ".join(
        f"{name}: {r['failed']} of {num(r['requests'])} failed" for name, r in ran.items()
    )
    notes = [f"{name} not in this run" for name, r in found.items() if r is None]
    clients = {r["clients"] for r in ran.values()}
    if clients != {64}:
        notes.append(f"{'/'.join(map(str, sorted(clients)))} clients instead of 64")
    return Verdict(figure, all(r["failed"] == 0 for r in ran.values()), "; ".join(notes))


def _memory(doc: Doc) -> Verdict:
    idle = doc["idle_total_rss_mib"]
    return Verdict(f"{num(idle)} MiB idle", idle <= 1536)


def _fuzz(doc: Doc) -> Verdict:
    results = doc["results"]
    figure = ", ".join(
        f"{name} {num(r['generated'])} requests, {r.get('with_failures') or 0} with a 5xx"
        for name, r in results.items()
    )
    met = all(r["generated"] >= 1000 and r["exit_code"] == 0 for r in results.values())
    return Verdict(figure, met)


def _faults(doc: Doc) -> Verdict:
    results = doc["results"]
    figure = ", ".join(
        f"{name} {'passed' if r['passed'] else 'failed'}" for name, r in results.items()
    )
    missing = [name for name in ("worker-kill", "redis-restart") if name not in results]
    note = "; ".join(f"{name} not in this run" for name in missing)
    return Verdict(figure, all(r["passed"] for r in results.values()), note)


def _neurogenesis(doc: Doc) -> Verdict:
    fewer, change = doc["sops_reduction"], doc["accuracy_change_points"]
    figure = f"{pct(-fewer, 1)} SOPs, {num(change, 2)} points"
    return Verdict(figure, fewer >= 0.30 and change >= -0.3)


def _finetune(doc: Doc) -> Verdict:
    before, after = (
        doc["before"]["shifted_heldout_accuracy"],
        doc["after"]["shifted_heldout_accuracy"],
    )
    change = doc["test_change_points"]
    figure = f"shifted digits {pct(before, 1)} → {pct(after, 1)}, test {num(change, 2)} points"
    return Verdict(figure, after > before and change >= -0.2)


def _trainer_job(doc: Doc) -> Verdict:
    params = doc["params"]
    figure = f"{num(doc['job_total_s'], 1)} s submit → {doc['state']}"
    met = doc["state"] == "succeeded" and doc["job_total_s"] < 120
    note = settings_note(epoch=(params.get("epochs"), 1), samples=(params.get("max_samples"), 5000))
    return Verdict(figure, met, note)


def _stdp_speed(doc: Doc) -> Verdict:
    """Faster only if BindsNET took longer in every round, against every SpikeGlyph setting;
    the medians' ratio is the figure, the slowest round's the test."""
    ratios = doc["ratios"]
    figure = "; ".join(
        f"BindsNET ÷ SpikeGlyph batch {ratio_settings(doc, key)[1]['batch_size']}: "
        f"{num(r['of_medians'], 1)}× ({num(r['by_round_min'], 1)}–{num(r['by_round_max'], 1)}× "
        "by round)"
        for key, r in ratios.items()
    )
    met = bool(ratios) and all(r["by_round_min"] > 1.0 for r in ratios.values())
    note = settings_note(neurons=(doc["neurons"], 400), steps=(doc["timesteps"], 100))
    return Verdict(figure, met, note)


# Speed and memory figures depend on how busy the machine was; the rest do not.
TARGETS = (
    Target("MNIST test accuracy ≥ 99.4 %, T ≤ 8", "models/mnist", _accuracy(0.994)),
    Target("Fashion-MNIST test accuracy ≥ 92 %, T ≤ 8", "models/fashion-mnist", _accuracy(0.92)),
    Target("MNIST model trained within 60 min on this CPU", "models/mnist", _training_time),
    Target("Training faster than plain snntorch on the same layers", "train_speed", _train_speed),
    Target("ONNX Runtime batch-1 p50 ≤ 1 ms", "model", _ort_latency),
    Target("… and ≥ 5× eager torch on the same model", "model", _ort_speedup),
    Target("Torch-free core imports in under a second, without torch", "import", _import),
    Target("HTTP batch-1 p50 ≤ 5 ms", "inference_http", _http_latency),
    Target(
        "≥ 500 predictions/s at 32 clients with micro-batching", "inference_http", _http_throughput
    ),
    Target("Inference replica RSS ≤ 300 MB with a model", "inference_http", _http_memory),
    Target(
        "Gateway ≥ 300 predictions/s, p99 ≤ 100 ms at 32 clients, 0 errors", "gateway", _gateway
    ),
    Target("64 clients × 60 s through the gateway: 0 errors, p99 ≤ 250 ms", "load", _load_steady),
    Target(
        "64 clients through the gateway, compact: ≥ 2× BentoML, ≥ 1,500/s, p99 < 100 ms, 0 errors",
        "peers",
        judge_throughput,
    ),
    Target("Batch-1 p50 through the gateway < 1 ms", "peers", judge_batch1),
    Target("Full spike telemetry ≥ 70 % of compact throughput", "peers", judge_full),
    Target(
        "Hot swap and replica loss under load: zero failed requests",
        "load",
        _load_faults,
        timing=False,
    ),
    Target("Whole stack idle ≤ 1.5 GiB RSS", "memory", _memory, timing=False),
    Target("Fuzzing: zero 5xx over ≥ 1,000 requests per service", "fuzz", _fuzz, timing=False),
    Target(
        "Worker or Redis killed mid-job: the job still succeeds, no failed prediction",
        "faults",
        _faults,
        timing=False,
    ),
    Target(
        "Pruning: ≥ 30 % fewer SOPs for ≤ 0.3 points", "neurogenesis", _neurogenesis, timing=False
    ),
    Target(
        "Online retraining on shifted digits, test within 0.2 points",
        "finetune",
        _finetune,
        timing=False,
    ),
    Target("1-epoch 5,000-sample training job < 2 min", "trainer_job", _trainer_job),
    Target("STDP, 400 excitatory neurons ≥ 88 % MNIST test", "models/mnist-stdp", _stdp_accuracy),
    Target(
        "R-STDP readout of those features ≥ 85 % MNIST test, reward only",
        "models/mnist-rstdp",
        _rstdp_accuracy,
        timing=False,
    ),
    Target(
        "STDP learning faster than BindsNET's Diehl & Cook, same run, same neurons and steps",
        "stdp_speed",
        _stdp_speed,
    ),
    Target("Fixed-point copy loses ≤ 0.3 points", "fixedpoint", judge_fixedpoint, timing=False),
    Target(
        "NIR export, simulated by snnTorch, gives the served model's answers",
        "nir",
        judge_nir,
        timing=False,
    ),
    Target(
        "Shipped models' recipes re-run reproduce them",
        "reproduce_*",
        judge_reproductions,
        timing=False,
    ),
)
