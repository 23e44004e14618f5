"""Markdown building blocks the renderers share: tables, numbers, provenance lines."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reporting.catalog import command
from reporting.sources import Doc, Sources

MISSING = "—"
# Generic rendering of JSON whose layout no renderer knows yet: at most this many rows.
GENERIC_ROWS = 40


DATASETS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def dataset(name: object) -> str:
    """``MNIST``, ``Fashion-MNIST``: a dataset id as the documents spell it."""
    return DATASETS.get(str(name), str(name))


def cell(value: object) -> str:
    """A table cell: ``|`` escaped and line breaks folded, so a message cannot break the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def num(value: Any, digits: int = 0, unit: str = "") -> str:
    """``1,612.4`` style: thousands separated, fixed decimals; missing or NaN → a dash."""
    if value is None or isinstance(value, bool):
        return MISSING
    number = float(value)
    if math.isnan(number):
        return MISSING
    text = f"{number:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def pct(fraction: Any, digits: int = 2) -> str:
    """A 0..1 fraction as a percentage."""
    if fraction is None:
        return MISSING
    return num(100 * float(fraction), digits, "%")


def ratio(value: Any, digits: int = 1) -> str:
    return MISSING if value is None else f"{num(value, digits)}×"


def mib(kib_or_bytes: Any, *, from_kib: bool = False) -> str:
    if kib_or_bytes is None:
        return MISSING
    return num(float(kib_or_bytes) / (1024 if from_kib else 1024 * 1024), 0, "MiB")


def code(text: object) -> str:
    return f"`{text}`"


def not_measured(name: str) -> str:
    """The line a region shows until its JSON is committed."""
    return f"*Not measured yet* (run: `{command(name)}`; it writes `docs/bench/{name}.json`)."


def load_range(machine: dict[str, Any]) -> str:
    """``load 2.9 at start, 9.4 at end``: the 1-minute load average around the run."""
    start, end = machine.get("load_1min_at_start"), machine.get("load_1min")
    known = [
        f"{num(load, 1)} at {when}"
        for load, when in ((start, "start"), (end, "end"))
        if load is not None
    ]
    return f"load {', '.join(known)}" if known else "load unknown"


def _libraries(machine: dict[str, Any]) -> str:
    versions = machine.get("libraries") or {}
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))


def _machine_text(machine: dict[str, Any]) -> str:
    parts = [f"{machine.get('cpu') or 'unknown CPU'}, {machine.get('cores', '?')} cores"]
    parts.append(load_range(machine))
    if machine.get("nice"):
        parts.append(f"nice {machine['nice']}")
    if machine.get("environment"):
        parts.append(" ".join(f"{k}={v}" for k, v in sorted(machine["environment"].items())))
    parts.append(f"Python {machine.get('python', '?')}")
    libraries = _libraries(machine)
    return ", ".join([*parts, libraries] if libraries else parts)


def machine_of(doc: Doc) -> dict[str, Any] | None:
    """The result's machine record, or None for results written before it existed.

    A bench that takes the load average itself when its timing starts (after building a
    peer's environment, say) writes ``load_1min_at_start`` beside the record; that figure
    stands in when the record has none.
    """
    machine = doc.get("machine")
    if not isinstance(machine, dict):
        return None
    if machine.get("load_1min_at_start") is None and doc.get("load_1min_at_start") is not None:
        return {**machine, "load_1min_at_start": doc["load_1min_at_start"]}
    return machine


def provenance(doc: Doc, name: str) -> str:
    """Command, machine, commit and date of one bench result, for the line under its table."""
    machine = machine_of(doc)
    if machine is None:  # results written before the shared machine record
        described = f"; machine: {doc['machine']}" if doc.get("machine") else ""
        return f"*From* `docs/bench/{name}.json`{described}."
    commit = machine.get("commit") or "unknown commit"
    if machine.get("tree_modified"):
        commit += " with local changes"
    run = machine.get("command") or doc.get("command") or command(name)
    return (
        f"*Measured by* `{run}` *on* {_machine_text(machine)}; commit `{commit}`; "
        f"{machine.get('date', 'date unknown')}; `docs/bench/{name}.json`."
    )


def _flatten(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    elif isinstance(value, float):
        out.append((path, f"{value:.6g}"))
    else:
        out.append((path, str(value)))


def generic(doc: Doc) -> str:
    """Every figure of a JSON whose layout no renderer knows, as a key/value table."""
    rows: list[tuple[str, str]] = []
    _flatten({k: v for k, v in doc.items() if k not in ("bench", "schema", "machine")}, "", rows)
    shown = table(["figure", "value"], ((code(k), v) for k, v in rows[:GENERIC_ROWS]))
    if len(rows) > GENERIC_ROWS:
        shown += f"\n\n… and {len(rows) - GENERIC_ROWS} more figures in the JSON."
    return shown


Renderer = Callable[[Sources], str]
# What a renderer may raise on a JSON whose layout changed under it.
LAYOUT_ERRORS = (KeyError, TypeError, IndexError, AttributeError, ValueError)


def from_bench(name: str) -> Callable[[Callable[[Doc], str]], Renderer]:
    """Turn ``body(doc) -> markdown`` into a region renderer for ``docs/bench/<name>.json``.

    The region is the body with its provenance line under it; the not-measured line while
    the JSON is missing; and every figure as a generic table when the body does not recognise
    the JSON's layout (a bench changed its output), noted in ``Sources.fallbacks`` so the
    change is seen rather than failing the whole report.
    """

    def wrap(body: Callable[[Doc], str]) -> Renderer:
        def render(src: Sources) -> str:
            doc = src.bench(name)
            if doc is None:
                return not_measured(name)
            try:
                text = body(doc)
            except LAYOUT_ERRORS as exc:
                fallback = f"docs/bench/{name}.json: {exc!r}"
                if fallback not in src.fallbacks:  # a region shown in two documents
                    src.fallbacks.append(fallback)
                text = generic(doc)
            return f"{text}\n\n{provenance(doc, name)}"

        render.__doc__ = body.__doc__
        return render

    return wrap
