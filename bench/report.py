"""Regenerate every published benchmark figure from committed JSON, or check that none drifted.

    python bench/report.py           # rewrite the generated regions of the documents
    python bench/report.py --check   # exit 1 and name each region that differs

Reads ``docs/bench/*.json`` (written by the bench scripts) and ``models/*/manifest.json``, and
renders the regions between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in
the documents of ``reporting.registry.DOCUMENTS`` (``docs/BENCHMARKS.md``, the README and the
other documents that quote figures); prose outside the markers is left as written. A region
whose JSON is not committed yet says so, with the command that measures it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reporting.regions import reconcile
from reporting.registry import DOCUMENTS, REGIONS
from reporting.sources import ReportError

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a region differs"
    )
    parser.add_argument("--root", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        differences, src = reconcile(args.root, DOCUMENTS, REGIONS, write=not args.check)
    except ReportError as exc:
        print(f"bench/report.py: {exc}", file=sys.stderr)
        return 2
    for fallback in src.fallbacks:
        print(f"warning: layout not recognised, rendered generically: {fallback}", file=sys.stderr)
    for difference in differences:
        verb = "differs from its JSON" if args.check else "rewritten"
        print(f"{difference.document}: region {difference.region!r} {verb}")
        if args.check:
            print(difference.diff)
    if args.check and differences:
        print("run `python bench/report.py` to regenerate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
