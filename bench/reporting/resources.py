"""Renderers for import time, preprocessing, memory, fuzzing and the long fault scenarios."""

from __future__ import annotations

from reporting.markdown import MISSING, code, from_bench, mib, num, table
from reporting.sources import Doc


@from_bench("import")
def render_import(doc: Doc) -> str:
    """Import time of each torch-free core module in a fresh interpreter, torch for scale."""
    modules = doc["modules"]
    order = sorted(modules, key=lambda name: (name == "torch", modules[name]["import_ms_median"]))
    rows = [
        [
            code(name),
            f"{num(row['import_ms_median'], 1)} / {num(row['import_ms_max'], 1)}",
            num(row["process_ms_median"]),
            ", ".join(row["pulls"]) or "neither",
        ]
        for name, row in ((name, modules[name]) for name in order)
    ]
    verdict = "pulled torch or snntorch in" if doc["core_pulls_torch"] else "loaded neither"
    headers = ["module", "import ms (median / max)", "whole process ms", "torch or snntorch loaded"]
    return (
        f"{table(headers, rows)}\n\n{doc['repeat']} fresh interpreters per module; the slowest "
        f"core module: **{num(doc['core_slowest_import_ms'], 0)} ms**; the core {verdict}."
    )


@from_bench("preprocess")
def render_preprocess(doc: Doc) -> str:
    """Microseconds per ``preprocess`` call by input kind, and dataset loading."""
    rows = [
        [
            row["input"],
            row["size"],
            num(row["bytes"]),
            num(row["median_us"]),
            num(row["p95_us"]),
            f"**{num(row['cpu_us'])}**",
        ]
        for row in doc["inputs"]
    ]
    headers = ["input", "size", "bytes", "median µs", "p95 µs", "CPU µs"]
    text = table(headers, rows)
    if doc.get("dataset_loading"):
        loading = [[row["what"], num(row["seconds"], 3)] for row in doc["dataset_loading"]]
        text += "\n\n" + table(["dataset", "seconds"], loading)
    return text + (
        f"\n\n{num(doc['repeat'])} calls per small input (fewer for the photos); the CPU column "
        "leaves out time spent waiting for a core."
    )


def _phase_cells(memories: Doc, names: list[str]) -> list[str]:
    cells = []
    for name in names:
        memory = memories.get(name)
        cells.append(f"{mib(memory['rss'])} / {mib(memory['pss'])}" if memory else MISSING)
    total_rss = sum(m["rss"] for m in memories.values())
    total_pss = sum(m["pss"] for m in memories.values())
    return [*cells, f"**{mib(total_rss)}** / {mib(total_pss)}"]


@from_bench("memory")
def render_memory(doc: Doc) -> str:
    """RSS and PSS of every service's process tree: idle, under load, while training."""
    phases = doc["phases"]
    names = sorted({name for memories in phases.values() for name in memories})
    rows = [[phase, *_phase_cells(memories, names)] for phase, memories in phases.items()]
    notes = doc.get("notes", {})
    text = table(["phase", *(f"{name} RSS / PSS" for name in names), "total RSS / PSS"], rows)
    text += (
        f"\n\nIdle stack: **{num(doc['idle_total_rss_mib'])} MiB** RSS. Load phase: "
        f"{doc.get('clients', '?')} clients × {num(doc.get('load_seconds'))} s, "
        f"{num(notes.get('load_requests'))} requests, {notes.get('load_failed', '?')} failed."
    )
    job = notes.get("training_job")
    if job:
        text += (
            f" Training phase: a `{job['params'].get('arch')}` job, {job['params'].get('epochs')} "
            f"epoch on {num(job['params'].get('max_samples'))} samples, {job['state']} in "
            f"{num(job['seconds'], 1)} s."
        )
    return text


@from_bench("fuzz")
def render_fuzz(doc: Doc) -> str:
    """schemathesis against each service's OpenAPI document: requests and server errors."""
    rows = [
        [
            service,
            num(result["generated"]),
            str(result.get("operations_tested", MISSING)),
            f"**{result.get('with_failures') or 0}**",
            str(result["exit_code"]),
            "yes" if doc.get("alive_after", {}).get(service) else "no",
        ]
        for service, result in doc["results"].items()
    ]
    headers = ["service", "generated requests", "operations", "with a 5xx", "exit", "alive after"]
    verdict = "passed" if doc["passed"] else "**failed**"
    return (
        f"{table(headers, rows)}\n\nAt least {num(doc.get('min_requests'))} requests per "
        f"service, none with a 5xx: {verdict}."
    )


def _worker_kill(outcome: Doc) -> str:
    killed = outcome.get("killed_during") or {}
    versions = outcome["published_versions"]
    # the shipped models the worker publishes on its first start are not the job's
    by_job = outcome.get("published_by_the_job")
    published = (
        f"{len(versions)} version(s) published"
        if by_job is None
        else f"{len(by_job)} version(s) published by the job ({len(versions)} in the registry)"
    )
    return (
        f"killed during epoch {killed.get('epoch', '?')} of {killed.get('epochs', '?')}; the job "
        f"{outcome['state']} {num(outcome['recovery_s'], 1)} s after a new worker started; "
        f"{published}"
    )


def _redis_restart(outcome: Doc) -> str:
    return (
        f"{outcome['failed_predictions']} of {num(outcome['predictions'])} predictions failed; "
        f"gateway ready {num(outcome['gateway_ready_after_s'], 1)} s after the restart; the job "
        f"was {outcome['job_state_after_restart']} after it and {outcome['job_final_state']} "
        f"once a worker started; {len(outcome['published_versions'])} version(s) published"
    )


SCENARIOS = {"worker-kill": _worker_kill, "redis-restart": _redis_restart}


@from_bench("faults")
def render_faults(doc: Doc) -> str:
    """Worker SIGKILL mid-job and Redis SIGKILL under load, through the public API."""
    rows = [
        [
            scenario,
            "**passed**" if outcome["passed"] else "**failed**",
            SCENARIOS[scenario](outcome),
        ]
        for scenario, outcome in doc["results"].items()
    ]
    return table(["scenario", "result", "what happened"], rows)
