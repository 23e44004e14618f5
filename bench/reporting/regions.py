"""Generated regions of a Markdown document: find them, re-render them, compare them.

A region is the text between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``,
each marker on its own line. Everything outside the markers is prose and is left as written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reporting.markdown import Renderer
from reporting.sources import ReportError, Sources

OPENING = re.compile(r"^<!-- generated:(?P<name>[a-z0-9_-]+) -->$", re.MULTILINE)
CLOSING = re.compile(r"^<!-- /generated:(?P<name>[a-z0-9_-]+) -->$", re.MULTILINE)
# Lines of difference shown per region by --check; the rest is counted, not printed.
DIFF_LINES = 24


def closing(name: str) -> str:
    return f"<!-- /generated:{name} -->"


@dataclass(frozen=True)
class Region:
    name: str
    start: int  # offset of the first character after the opening marker
    end: int  # offset of the closing marker


@dataclass(frozen=True)
class Difference:
    document: str
    region: str
    diff: str


def find_regions(text: str, document: str) -> list[Region]:
    """The regions of ``text`` in order; malformed or repeated markers raise ReportError."""
    found: list[Region] = []
    for match in OPENING.finditer(text):
        name = match.group("name")
        end = text.find("\n" + closing(name), match.end())
        if end < 0:
            raise ReportError(f"{document}: region {name!r} has no line {closing(name)!r}")
        nested = OPENING.search(text, match.end(), end)
        if nested is not None:
            raise ReportError(f"{document}: region {nested.group('name')!r} inside {name!r}")
        if any(region.name == name for region in found):
            raise ReportError(f"{document}: region {name!r} appears twice")
        found.append(Region(name, match.end(), end + 1))
    opened = {region.name for region in found}
    for match in CLOSING.finditer(text):
        if match.group("name") not in opened:
            raise ReportError(f"{document}: {match.group(0)!r} closes no region")
    return found


def _body(rendered: str) -> str:
    return "\n" + rendered.strip("\n") + "\n"


def render_text(
    text: str, document: str, renderers: Mapping[str, Renderer], src: Sources
) -> tuple[str, list[Difference]]:
    """``text`` with every region re-rendered, and the regions whose text changed."""
    pieces: list[str] = []
    differences: list[Difference] = []
    cursor = 0
    for region in find_regions(text, document):
        if region.name not in renderers:
            raise ReportError(f"{document}: no renderer for region {region.name!r}")
        old, new = text[region.start : region.end], _body(renderers[region.name](src))
        if old != new:
            differences.append(Difference(document, region.name, _diff(old, new)))
        pieces += [text[cursor : region.start], new]
        cursor = region.end
    pieces.append(text[cursor:])
    return "".join(pieces), differences


def _diff(old: str, new: str) -> str:
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), "committed", "rendered", n=0, lineterm=""
        )
    )
    shown = "\n".join(lines[:DIFF_LINES])
    if len(lines) > DIFF_LINES:
        shown += f"\n… {len(lines) - DIFF_LINES} more diff lines"
    return shown


def reconcile(
    root: Path, documents: list[str], renderers: Mapping[str, Renderer], *, write: bool
) -> tuple[list[Difference], Sources]:
    """Re-render every region of ``documents`` (paths relative to ``root``).

    Returns the regions that differ from the files (rewriting the files when ``write``) and
    the sources read, whose ``fallbacks`` name the JSON no renderer recognised. Every
    renderer must have a region in at least one document. A region may appear in several
    documents (once in each): one renderer fills them all, so a table quoted by a second
    document is the same text as in the first and cannot drift from it.
    """
    src = Sources(root)
    differences: list[Difference] = []
    seen: set[str] = set()
    for document in documents:
        path = root / document
        text = path.read_text(encoding="utf-8")
        seen.update(region.name for region in find_regions(text, document))
        rendered, changed = render_text(text, document, renderers, src)
        differences += changed
        if write and changed:
            path.write_text(rendered, encoding="utf-8")
    missing = sorted(set(renderers) - set(seen))
    if missing:
        raise ReportError(f"no region in {', '.join(documents)} for: {', '.join(missing)}")
    return differences, src
