"""The summary table: every target, its figure and its status, from the committed JSON."""

from __future__ import annotations

from reporting import reproduce
from reporting.markdown import LAYOUT_ERRORS, MISSING, machine_of, num, table
from reporting.sources import Doc, Sources
from reporting.targets import TARGETS, Target
from reporting.verdict import Verdict

# Sources made of several bench results ("<prefix>*"), and what gathers each into one Doc.
COLLECTED = {f"{reproduce.PREFIX}*": reproduce.collect}


def _document(src: Sources, source: str) -> Doc | None:
    if source.startswith("models/"):
        return src.manifest(source.removeprefix("models/"))
    if source in COLLECTED:
        return COLLECTED[source](src)
    return src.bench(source)


def _dates(runs: dict[str, Doc]) -> str:
    """The first and last date of several runs, each as its machine record gives it."""
    days = sorted(
        str(machine.get("date", "?"))[:10]
        for machine in map(machine_of, runs.values())
        if machine is not None
    )
    return "–".join(dict.fromkeys([days[0], days[-1]])) if days else MISSING


def _when(source: str, doc: Doc) -> str:
    """The date of the figure, with the machine's load where a bench recorded it."""
    if source.startswith("models/"):
        return f"{str(doc.get('created_at', '?'))[:10]} (manifest)"
    if source in COLLECTED:
        return _dates(doc["runs"])
    machine = machine_of(doc)
    if machine is None:
        return MISSING
    loads = [machine.get(key) for key in ("load_1min_at_start", "load_1min")]
    known = [load for load in loads if load is not None]
    spread = "–".join(dict.fromkeys(num(load, 1) for load in known))
    busy = f", load {spread} on {machine.get('cores', '?')} cores" if known else ""
    return f"{str(machine.get('date', '?'))[:10]}{busy}"


def _busy(doc: Doc) -> bool:
    """Whether the run's 1-minute load average, at its start or end, exceeded the cores."""
    machine = machine_of(doc)
    if machine is None or not machine.get("cores"):
        return False
    loads = [machine.get(key) or 0.0 for key in ("load_1min_at_start", "load_1min")]
    return bool(max(loads) > machine["cores"])


def _status(verdict: Verdict) -> str:
    status = {True: "**met**", False: "**not met**", None: "measured"}[verdict.met]
    return f"{status} ({verdict.note})" if verdict.note else status


def _source_cell(source: str) -> str:
    if source.startswith("models/"):
        return f"`{source}/manifest.json`"
    return f"`docs/bench/{source}.json`"


def _row(src: Sources, target: Target) -> list[str]:
    doc = _document(src, target.source)
    if doc is None:
        # The command is in the target's own section; the summary stays readable.
        return [target.claim, MISSING, "not measured yet", _source_cell(target.source), MISSING]
    try:
        verdict = target.judge(doc)
    except LAYOUT_ERRORS as exc:
        src.fallbacks.append(f"target {target.claim!r} from {target.source}: {exc!r}")
        verdict = Verdict(MISSING, None, "its JSON changed layout: see the section below")
    status = _status(verdict)
    if target.timing and _busy(doc):
        status += ", provisional: the machine was busier than its core count"
    cells = [verdict.figure, status]
    return [target.claim, *cells, _source_cell(target.source), _when(target.source, doc)]


def render_summary(src: Sources) -> str:
    """Every target with its figure and status, computed from the committed JSON."""
    rows = [_row(src, target) for target in TARGETS]
    return table(["target", "measured", "status", "source", "when"], rows)
