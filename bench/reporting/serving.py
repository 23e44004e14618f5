"""Renderers for the serving benches: one replica over HTTP, the gateway, load, HTTP clients."""

from __future__ import annotations

from reporting.markdown import MISSING, from_bench, mib, num, pct, table
from reporting.sources import Doc

HTTP_MODES = (("micro_batching", "micro-batching"), ("no_batching", "no batching"))


def _three(timing: Doc, keys: tuple[str, str, str] = ("p50", "p95", "p99")) -> str:
    return " / ".join(num(timing.get(key), 2) for key in keys)


def _http_row(title: str, mode: Doc) -> list[str]:
    batch1, loaded, memory = mode["batch1_latency_ms"], mode["under_load"], mode["memory_kb"]
    rss = mib(memory.get("VmRSS"), from_kib=True)
    peak = mib(memory.get("VmHWM"), from_kib=True)
    return [
        f"{title} (≤ {mode['max_batch_size']})",
        f"**{num(batch1['p50'], 2)}** / {num(batch1['p95'], 2)} / {num(batch1['p99'], 2)}",
        num(batch1.get("server_cpu_ms_per_request"), 2),
        f"**{num(loaded['predictions_per_s'], 1)}**",
        _three(loaded),
        str(loaded["failed"]),
        num(mode.get("mean_batch_size"), 2),
        f"{rss} (peak {peak})",
    ]


@from_bench("inference_http")
def render_inference_http(doc: Doc) -> str:
    """One replica over loopback HTTP, with and without micro-batching."""
    rows = [_http_row(title, doc[key]) for key, title in HTTP_MODES if key in doc]
    headers = [
        "mode",
        "batch-1 p50 / p95 / p99 ms",
        "replica CPU ms per request",
        f"{doc.get('clients', '?')} clients: predictions/s",
        "p50 / p95 / p99 ms",
        "failed",
        "mean batch",
        "replica RSS",
    ]
    onnx = doc.get("in_process_onnx_ms") or {}
    eager = doc.get("in_process_torch_eager_ms") or {}
    floor = (
        f"In the bench's own process, for scale: ONNX Runtime p50 {num(onnx.get('p50'), 3)} ms "
        f"per image, {num(onnx.get('batch32_per_image_ms'), 3)} ms per image in batches of 32"
    )
    floor += f"; eager torch p50 {num(eager.get('p50'), 3)} ms." if eager else "."
    settings = (
        f"`{doc.get('model', '?')}` (`{doc.get('version', '?')}`), "
        f"{num(doc.get('requests'))} requests under load, "
        f"{doc.get('threads', '?')} intra-op thread(s) per replica."
    )
    return f"{table(headers, rows)}\n\n{settings} {floor}"


def _gateway_row(title: str, run: Doc) -> list[str]:
    return [
        title,
        num(run["requests"]),
        f"**{run['errors']}**",
        f"**{num(run['throughput_rps'], 1)}**",
        num(run["p50_ms"], 1),
        f"**{num(run['p99_ms'], 1)}**",
        num(run.get("client_cpu_ms_per_request"), 3),
    ]


@from_bench("gateway")
def render_gateway(doc: Doc) -> str:
    """The replica driven directly, then through the gateway, for the same time."""
    rows = [
        _gateway_row("direct to the replica", doc["direct_inference"]),
        _gateway_row("through the gateway", doc["through_gateway"]),
    ]
    headers = [
        "path",
        "requests",
        "errors",
        "predictions/s",
        "p50 ms",
        "p99 ms",
        "load generator CPU ms/request",
    ]
    answers = "compact" if doc.get("compact", True) else "full"
    return (
        f"{table(headers, rows)}\n\n{doc['concurrency']} clients × {num(doc['seconds'])} s "
        f"per path, {answers} answers; gateway overhead at p50: "
        f"**{num(doc['gateway_overhead_p50_ms'], 1)} ms**."
    )


def _event(report: Doc) -> str:
    if not report.get("event"):
        return MISSING
    text = f"at {num(report.get('event_at_s'), 1)} s: {report['event']}"
    if report.get("switch_s") is not None:
        text += f"; new version answering {num(report['switch_s'], 2)} s later"
    return text


def _load_row(report: Doc) -> list[str]:
    failures = "; ".join(f"{n}× {what}" for what, n in (report.get("failures") or {}).items())
    return [
        report["scenario"],
        str(report["clients"]),
        str(report["replicas"]),
        num(report["seconds"], 1),
        num(report["requests"]),
        f"**{report['failed']}**" + (f" ({failures})" if failures else ""),
        num(report["throughput_rps"], 1),
        num(report["p50_ms"], 1),
        num(report["p95_ms"], 1),
        f"**{num(report['p99_ms'], 1)}**",
        num(report["max_ms"], 1),
        pct(report.get("accuracy")),
        _event(report),
    ]


@from_bench("load")
def render_load(doc: Doc) -> str:
    """Clients through the gateway: steady load, a hot swap, a replica killed."""
    headers = [
        "scenario",
        "clients",
        "replicas",
        "s",
        "requests",
        "failed",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "right answers",
        "mid-run event",
    ]
    return table(headers, [_load_row(report) for report in doc["reports"]])


@from_bench("upstream")
def render_upstream(doc: Doc) -> str:
    """Client CPU per kept-alive request, httpx against aiohttp."""
    rows = [
        [
            client,
            f"**{num(doc[client]['client_cpu_ms_per_request'], 3)}**",
            num(doc[client]["wall_ms_per_request"], 3),
        ]
        for client in ("httpx", "aiohttp")
        if client in doc
    ]
    headers = ["client", "client CPU ms per request", "wall ms per request"]
    return (
        f"{table(headers, rows)}\n\n{num(doc['requests'])} sequential POSTs of a "
        f"{num(doc['body_bytes'])}-byte body over one kept-alive connection."
    )
