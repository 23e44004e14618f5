"""Renderer and target judges of ``bench/bench_peers.py``: SpikeGlyph beside BentoML,
LitServe and a bare ASGI server, and where one request's time goes."""

from __future__ import annotations

from reporting.markdown import MISSING, from_bench, num, pct, ratio, table
from reporting.sources import Doc
from reporting.verdict import Verdict, settings_note

COMPACT, FULL, BENTOML, BARE = "spikeglyph compact", "spikeglyph full", "bentoml", "bare ASGI"
TITLES = {
    COMPACT: "SpikeGlyph through the gateway, `compact=true`",
    FULL: "SpikeGlyph through the gateway, full telemetry",
    BENTOML: "BentoML (preprocessing service → batchable model service)",
    "litserve": "LitServe (batching)",
    BARE: "bare ASGI app (reads the body, constant JSON)",
}
# (label, how it is found from the timing means at one client, in ms)
BREAKDOWN = (
    ("gateway: read the body", lambda t: t.get("server:gw-read")),
    ("gateway → replica hop (both HTTP stacks, loopback)", lambda t: _hop(t)),
    ("replica: parse the multipart body", lambda t: t.get("server:parse")),
    ("replica: decode + preprocess", lambda t: t.get("server:preprocess")),
    ("replica: queue for the batch", lambda t: t.get("server:queue")),
    ("replica: ONNX Runtime", lambda t: t.get("server:compute")),
    ("replica: serialise the answer", lambda t: t.get("server:serialise")),
    ("gateway: re-read and re-write the answer", lambda t: t.get("server:gw-json")),
)


def _hop(timing: Doc) -> float | None:
    upstream, app = timing.get("server:gw-upstream"), timing.get("server:app")
    return None if upstream is None or app is None else upstream - app


def _cpu(run: Doc) -> str:
    cpu = run.get("server_cpu_ms_per_request") or {}
    return " + ".join(f"{num(ms, 2)} ({name})" for name, ms in cpu.items()) or MISSING


def cpu_bound(doc: Doc) -> str:
    """The most the machine's cores could answer at the CPU each prediction cost in this run
    (every server process on the path and the load generator), whatever share they got."""
    judged = doc.get("targets") or {}
    run = doc["servers"][COMPACT].get(str(judged.get("clients")), {})
    servers = run.get("server_cpu_ms_per_request") or {}
    generator = run.get("generator_cpu_ms_per_request")
    cores = (doc.get("machine") or {}).get("cores")
    if not servers or generator is None or not cores or None in servers.values():
        return ""
    spent = sum(servers.values()) + generator
    return (
        f" Each compact prediction cost **{num(spent, 2)} ms** of CPU ({_cpu(run)}, "
        f"{num(generator, 2)} load generator): {cores} cores can answer at most "
        f"**{num(cores * 1000 / spent)}/s** at that cost, whatever share of them the servers get."
    )


def _rows(doc: Doc) -> list[list[str]]:
    rows = []
    for name, runs in doc["servers"].items():
        for clients, run in runs.items():
            rows.append(
                [
                    TITLES.get(name, name),
                    clients,
                    f"**{num(run['throughput_rps'], 1)}**",
                    num(run["p50_ms"], 2),
                    num(run["p99_ms"], 1),
                    f"**{run['errors']}**" if run["errors"] else "0",
                    _cpu(run),
                    num(run.get("generator_cpu_ms_per_request"), 2),
                ]
            )
    return rows


def _breakdown(doc: Doc) -> str:
    ones = [doc["servers"].get(name, {}).get("1", {}) for name in (COMPACT, FULL)]
    timings = [one.get("timing_means_ms") or {} for one in ones]
    if not timings[0]:
        return "No timing fields were sampled at one client in this run."
    rows = [[label, *(num(find(t), 3) if t else MISSING for t in timings)]
            for label, find in BREAKDOWN]  # fmt: skip
    rows.append(
        ["**end to end, as the load generator saw it**", *(num(o.get("mean_ms"), 3) for o in ones)]
    )
    image = doc.get("image") or {}
    headers = ["one request at one client (mean ms)", "compact", "full telemetry"]
    return (
        f"{table(headers, rows)}\n\n"
        f"Of decode + preprocess, decoding the {num(image.get('png_bytes'))}-byte PNG alone takes "
        f"{num(image.get('decode_ms'), 3)} ms and the whole preprocessing "
        f"{num(image.get('preprocess_ms'), 3)} ms in the bench's own process. The rest of the "
        "end-to-end time is the load generator's client and the kernel's loopback."
    )


def _onnx(doc: Doc) -> str:
    onnx = doc.get("onnx_in_process") or {}
    parts = [f"batch {size}: {num(v['images_per_s'])} images/s" for size, v in onnx.items()]
    return "ONNX Runtime alone in the bench's process, one thread: " + "; ".join(parts) + "."


@from_bench("peers")
def render_peers(doc: Doc) -> str:
    """Every server at every client count, the ratios the targets judge, the breakdown."""
    headers = ["server", "clients", "predictions/s", "p50 ms", "p99 ms", "errors",
               "server CPU ms per request", "load generator CPU ms per request"]  # fmt: skip
    judged = doc.get("targets") or {}
    top = judged.get("clients", "?")
    summary = (
        f"At {top} clients SpikeGlyph (compact) answers **{ratio(judged.get('vs_bentoml'), 2)}** "
        f"BentoML's throughput and **{pct(judged.get('fraction_of_bare'), 1)}** of the bare "
        f"server's; full telemetry runs at **{pct(judged.get('full_vs_compact'), 1)}** of "
        "compact." + cpu_bound(doc)
    )
    notes = doc.get("not_measured") or {}
    refused = "; ".join(f"{k}: {v[:200]}" for k, v in notes.items() if not k.endswith(" errors"))
    logged = "; ".join(f"{k[:-7]}: {v[:200]}" for k, v in notes.items() if k.endswith(" errors"))
    settings = (
        f"{doc['rounds']} alternating round(s) × {num(doc['seconds_per_run'])} s per server and "
        f"client count; `{doc['model']}`."
    )
    if refused:
        settings += f" Not measured: {refused}."
    if logged:
        settings += f" The errors, as the server's own log gives them: {logged}."
    return "\n\n".join([table(headers, _rows(doc)), summary, _onnx(doc), settings, _breakdown(doc)])


def _at_top(doc: Doc) -> tuple[Doc, str]:
    judged = doc["targets"]
    quick = "a --quick run" if doc.get("quick") else ""
    return judged, "; ".join(
        n for n in (settings_note(clients=(judged["clients"], 64)), quick) if n
    )


def judge_throughput(doc: Doc) -> Verdict:
    judged, note = _at_top(doc)
    run = doc["servers"][COMPACT][str(judged["clients"])]
    met = judged["met"]
    figure = (
        f"{num(run['throughput_rps'])} /s = {ratio(judged.get('vs_bentoml'), 2)} BentoML, "
        f"p99 {num(run['p99_ms'], 1)} ms, {run['errors']} errors"
    )
    ok = all(met[k] for k in ("2x_bentoml", "zero_errors", "1500_per_s", "p99_under_100ms"))
    return Verdict(figure, ok, note)


def judge_batch1(doc: Doc) -> Verdict:
    run = doc["servers"][COMPACT].get("1")
    if run is None:
        return Verdict(MISSING, None, "no one-client run")
    return Verdict(f"p50 {num(run['p50_ms'], 2)} ms", doc["targets"]["met"]["batch1_p50_under_1ms"])


def judge_full(doc: Doc) -> Verdict:
    judged, note = _at_top(doc)
    figure = f"{pct(judged['full_vs_compact'], 1)} of compact"
    return Verdict(figure, judged["met"]["full_at_least_70pct"], note)
