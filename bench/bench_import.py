"""Import time of the torch-free core (what the inference image and the gateway load).

Each module is imported in a fresh interpreter, ``--repeat`` times; the figure is the median
time of the ``import`` statement itself (the interpreter's own start-up is reported apart),
and every run checks that neither torch nor snntorch was pulled in. torch's own import time
is measured the same way for scale.

    python bench/bench_import.py [--repeat 15] [--out docs/bench/import.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from _common import add_out_argument, emit

CORE = (
    "spikeglyph",
    "spikeglyph.data",
    "spikeglyph.preprocess",
    "spikeglyph.modeldir",
    "spikeglyph.runtime",
    "spikeglyph.energy",
    "spikeglyph.schemas",
    "spikeglyph.client",
    "spikeglyph.stores",
)
CHILD = """
import sys, time
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
import json
heavy = sorted(m for m in ("torch", "snntorch") if m in sys.modules)
print(json.dumps({{"s": elapsed, "heavy": heavy}}))
"""


def import_once(module: str) -> tuple[float, float, list[str]]:
    """(import seconds, whole process seconds, heavy modules loaded) in a fresh interpreter."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    wall = time.perf_counter() - started
    report = json.loads(out)
    return report["s"], wall, report["heavy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    add_out_argument(parser, "import")
    args = parser.parse_args()
    rows: dict[str, dict[str, object]] = {}
    medians: dict[str, float] = {}
    pulls: dict[str, list[str]] = {}
    for module in (*CORE, "torch"):
        import_once(module)  # warm the file cache
        runs = [import_once(module) for _ in range(args.repeat)]
        medians[module] = round(statistics.median(r[0] for r in runs) * 1000, 1)
        pulls[module] = sorted({name for _, _, names in runs for name in names})
        rows[module] = {
            "import_ms_median": medians[module],
            "import_ms_max": round(max(r[0] for r in runs) * 1000, 1),
            "process_ms_median": round(statistics.median(r[1] for r in runs) * 1000, 1),
            "pulls": pulls[module],
        }
    emit(
        "import",
        {
            "repeat": args.repeat,
            "modules": rows,
            "core_slowest_import_ms": max(medians[m] for m in CORE),
            "core_pulls_torch": any(pulls[m] for m in CORE),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
