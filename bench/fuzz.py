"""Property-based fuzzing of the gateway's and the inference service's OpenAPI documents.

Starts a fresh stack (redis-server, one real inference replica, the gateway), then runs
schemathesis against each service's ``/openapi.json``: every operation, all phases (examples,
coverage — which generates the negative cases: wrong types, missing fields, out-of-range values
— fuzzing and, for the gateway, stateful sequences), with the check ``not_a_server_error``. The
SSE events route is excluded (a stream that never ends). Protected routes get a valid key, so
generated data reaches the handlers instead of stopping at the key check.

    .venv/bin/python bench/fuzz.py --model models/mnist [--out docs/bench/fuzz.json]

Exit status 0 only when both services answered at least ``--min-requests`` generated
requests each and none with a 5xx.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import add_out_argument, emit
from stack import API_KEY, REPO, Stack, StackConfig

ST = Path(sys.executable).parent / "st"


def schemathesis(
    base_url: str, report: Path, max_examples: int, seed: int, *extra: str
) -> dict[str, object]:
    command = [
        str(ST),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--exclude-path-regex",
        "/events$",
        "--report-json-path",
        str(report),
        *extra,
    ]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    summary = json.loads(report.read_text()) if report.exists() else {}
    cases = summary.get("test_cases", {})
    return {
        "exit_code": result.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "operations_tested": summary.get("operations", {}).get("tested"),
        "generated": cases.get("generated", 0),
        "with_failures": cases.get("with_failures"),
        "failures": summary.get("failures", [])[:10],
        "errors": summary.get("errors", [])[:10],
        "tail": result.stdout[-1500:] if result.returncode else "",
    }


def until_enough(
    url: str, directory: Path, examples: int, seed: int, wanted: int, extra: list[str]
) -> dict[str, object]:
    """Run schemathesis with successive seeds until ``wanted`` requests were generated.

    A small API exhausts what one seed generates (schemathesis stops early when the examples
    of an operation repeat), so further rounds with other seeds add new requests.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rounds: list[dict[str, object]] = []
    total = 0
    for round_ in range(8):
        outcome = schemathesis(
            url, directory / f"round-{round_}.json", examples, seed + round_, *extra
        )
        rounds.append(outcome)
        total += int(str(outcome["generated"]))
        if total >= wanted or outcome["exit_code"] != 0:
            break
    return {
        "exit_code": max(int(str(r["exit_code"])) for r in rounds),
        "seconds": round(sum(float(str(r["seconds"])) for r in rounds), 1),
        "operations_tested": rounds[0]["operations_tested"],
        "generated": total,
        "with_failures": sum(int(str(r["with_failures"] or 0)) for r in rounds),
        "seeds": [seed + i for i in range(len(rounds))],
        "rounds": rounds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    # Per operation and phase; the inference service has fewer operations, so more each.
    parser.add_argument("--gateway-examples", type=int, default=80)
    parser.add_argument("--inference-examples", type=int, default=170)
    parser.add_argument("--min-requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261129)
    add_out_argument(parser, "fuzz", "--json")
    args = parser.parse_args(argv)

    results: dict[str, dict[str, object]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-") as root,
        Stack(StackConfig(model_dir=args.model), Path(root)).started() as stack,
    ):
        targets = {
            "gateway": (stack.gateway_url, args.gateway_examples, ["-H", f"X-API-Key: {API_KEY}"]),
            "inference": (stack.replicas[0].url, args.inference_examples, []),
        }
        for name, (url, examples, extra) in targets.items():
            results[name] = until_enough(
                url, Path(root) / name, examples, args.seed, args.min_requests, extra
            )
        healthy = {
            "gateway": stack.gateway is not None and stack.gateway.alive(),
            "inference": stack.replicas[0].process.alive(),
        }
    passed = all(
        r["exit_code"] == 0 and int(str(r["generated"])) >= args.min_requests
        for r in results.values()
    )
    for name, r in results.items():
        print(
            f"{name:<10} {r['generated']:>6} generated requests over {r['operations_tested']} "
            f"operations in {r['seconds']}s, with failures: {r['with_failures']}, "
            f"exit {r['exit_code']}, still alive: {healthy[name]}"
        )
    emit(
        "fuzz",
        {
            "model": str(args.model),
            "min_requests": args.min_requests,
            "results": results,
            "alive_after": healthy,
            "passed": passed,
        },
        args.out,
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
