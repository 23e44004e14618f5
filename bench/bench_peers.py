"""SpikeGlyph's request path against BentoML, LitServe and a bare server, on the same machine.

Starts, side by side on loopback: SpikeGlyph as users run it (redis, one inference replica,
the gateway; internal token and Redis password), a BentoML service composed as its
adaptive-batching guide shows (a preprocessing service in front of a batchable model service),
LitServe with its batching (when it installs), and a bare ASGI app on the same uvicorn stack
that only reads the body and answers a constant JSON: the ceiling of any Python HTTP service
here. The peers serve the same ``model.onnx`` with SpikeGlyph's own preprocessing, installed
into their own virtual environment (``bench/_peers_servers.py``).

The same load generator then drives every server in turn with the same multipart PNG, at each
client count, for several alternating rounds so that a burst of noise on the machine hits
every server alike: SpikeGlyph through the gateway with ``compact=true`` and with the full
spike telemetry, and each peer. Also measured in this process: ONNX Runtime's own batch
throughput (one intra-op thread) and the decode and preprocess cost of the PNG; and, from
SpikeGlyph's own timing fields (``latency_ms`` and ``Server-Timing``) at one client, where a
request's time goes.

    .venv/bin/python bench/bench_peers.py --model models/mnist            # about 6 minutes
    .venv/bin/python bench/bench_peers.py --model models/mnist --quick    # a check, ~2 minutes

Writes ``docs/bench/peers.json`` (``--out``). The load generator shares the cores with the
servers it measures, as in every serving bench here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from _common import add_out_argument, data_dir, emit
from _peers_load import Run, drive, multipart_body
from _peers_servers import DEFAULT_VENV, Peer, peer_venv, start_bare, start_bentoml, start_litserve
from load import mnist_pngs
from stack import REPO, Stack, as_users_run_it

from spikeglyph.preprocess import preprocess
from spikeglyph.preprocess.decode import decode_image

SETTLE_S = 0.5  # load before each measured run, after the server's process group is resumed
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")


@contextlib.contextmanager
def servers(args: argparse.Namespace, logs: Path, notes: dict[str, str]) -> Iterator[list[Peer]]:
    """Every server of the comparison, started, in the order they are driven."""
    python, failed = peer_venv(args.peers_venv)
    notes.update(failed)
    started: list[Peer] = []
    config = as_users_run_it(model_dir=args.model)
    with Stack(config, logs.parent / "stack").started() as stack:
        assert stack.gateway is not None
        gateway = f"{stack.gateway_url}/api/v1/predict"
        behind = {"replica": stack.replicas[0].process}
        started += [
            Peer("spikeglyph compact", gateway + "?compact=true", stack.gateway, behind),
            Peer("spikeglyph full", gateway, stack.gateway, behind),
        ]
        starters = [("bentoml", start_bentoml), ("litserve", start_litserve)]
        try:
            for name, start in starters:
                if name in failed or name in args.skip:
                    continue
                try:
                    started.append(start(python, args.model, logs))
                except RuntimeError as exc:
                    notes[name] = str(exc)[-600:]
            started.append(start_bare(logs))
            yield started
        finally:
            for peer in started:
                if not peer.extra:
                    peer.process.stop()


def processes(peer: Peer) -> dict[str, int]:
    """The processes whose CPU a request to ``peer`` costs, by name."""
    named = {peer.name.split()[0] if not peer.extra else "gateway": peer.process}
    named.update(peer.extra)
    return {name: p.process.pid for name, p in named.items() if p.process is not None}


@contextlib.contextmanager
def others_paused(peers: list[Peer], driven: Peer) -> Iterator[None]:
    """Every other server's process group stopped (SIGSTOP) while ``driven`` is measured: an
    idle server is not always idle (LitServe's worker polls its queues at about 9 % of a core),
    and its background CPU would be taken from the server under load."""
    mine = set(processes(driven).values())
    groups = {pid for peer in peers for pid in processes(peer).values()} - mine
    for pid in groups:
        os.killpg(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in groups:
            with contextlib.suppress(ProcessLookupError):  # a server that died stays reported
                os.killpg(pid, signal.SIGCONT)


def measure(args: argparse.Namespace, peers: list[Peer], body: bytes) -> dict[str, Any]:
    runs: dict[tuple[str, int], Run] = {}
    for peer in peers:  # warm-up: first requests pay for imports, pools and allocations
        with others_paused(peers, peer):
            asyncio.run(drive(peer.url, body, 4, args.warmup_s))
    for _ in range(args.rounds):
        for clients in args.clients:
            for peer in peers:
                with others_paused(peers, peer):
                    asyncio.run(drive(peer.url, body, clients, SETTLE_S))  # woken, not measured
                    run = asyncio.run(
                        drive(
                            peer.url, body, clients, args.seconds,
                            timed=bool(peer.extra), processes=processes(peer),
                        )
                    )  # fmt: skip
                runs.setdefault((peer.name, clients), Run()).add(run)
                print(f"{peer.name:<20}{clients:>4} clients {run.summary()['throughput_rps']:>9}/s")
    return {
        peer.name: {str(c): runs[(peer.name, c)].summary() for c in args.clients} for peer in peers
    }


def first_error(log: str) -> str:
    """The exception lines of the first traceback in a server's log (the whole chain)."""
    at = log.find("Traceback")
    if at < 0:
        return log[-600:]
    lines = log[at : at + 8000].splitlines()
    raised = [line for line in lines if EXCEPTION_LINE.match(line)]
    return " <- ".join(dict.fromkeys(raised[:4]))


def onnx_in_process(model: Path, seconds: float) -> dict[str, Any]:
    """Images per second of ONNX Runtime alone, one intra-op thread, per batch size."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model / "model.onnx"), sess_options=options)
    outputs = [o.name for o in session.get_outputs()]
    found: dict[str, Any] = {}
    for size in (1, 16, 64):
        batch = np.random.default_rng(0).random((size, 1, 28, 28), dtype=np.float32)
        session.run(outputs, {"image": batch})
        calls, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            session.run(outputs, {"image": batch})
            calls += 1
        elapsed = time.perf_counter() - began
        found[str(size)] = {
            "images_per_s": round(calls * size / elapsed, 1),
            "ms_per_call": round(elapsed * 1000 / calls, 4),
        }
    return found


def image_costs(png: bytes, repeat: int = 500) -> dict[str, float]:
    """Milliseconds to decode the PNG and to run the whole preprocessing (decode included)."""

    def per_call_ms(fn: Any) -> float:
        fn()
        began = time.perf_counter()
        for _ in range(repeat):
            fn()
        return round((time.perf_counter() - began) * 1000 / repeat, 4)

    return {
        "png_bytes": len(png),
        "decode_ms": per_call_ms(lambda: decode_image(png)),
        "preprocess_ms": per_call_ms(lambda: preprocess(png)),
    }


def verdicts(figures: dict[str, Any], top: int) -> dict[str, Any]:
    """The issue's targets, judged on this run's figures."""
    at = str(top)
    compact, full = figures["spikeglyph compact"][at], figures["spikeglyph full"][at]
    bento = figures.get("bentoml", {}).get(at)
    bare = figures.get("bare ASGI", {}).get(at)
    single = figures["spikeglyph compact"].get("1", {})
    ratio = compact["throughput_rps"] / bento["throughput_rps"] if bento else None
    return {
        "clients": top,
        "vs_bentoml": round(ratio, 2) if ratio else None,
        "fraction_of_bare": round(compact["throughput_rps"] / bare["throughput_rps"], 3)
        if bare
        else None,
        "full_vs_compact": round(full["throughput_rps"] / compact["throughput_rps"], 3),
        "met": {
            "2x_bentoml": ratio is not None and ratio >= 2.0,
            "zero_errors": compact["errors"] == 0,
            "1500_per_s": compact["throughput_rps"] >= 1500,
            "p99_under_100ms": compact["p99_ms"] < 100,
            "batch1_p50_under_1ms": single.get("p50_ms", float("inf")) < 1.0,
            "full_at_least_70pct": full["throughput_rps"] >= 0.7 * compact["throughput_rps"],
        },
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    parser.add_argument("--clients", type=lambda s: [int(c) for c in s.split(",")],
                        default=[1, 8, 64])  # fmt: skip
    parser.add_argument("--seconds", type=float, default=8.0, help="per server, per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup-s", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s: a check only")
    parser.add_argument("--skip", nargs="*", default=[], choices=["bentoml", "litserve"])
    parser.add_argument("--peers-venv", type=Path, default=DEFAULT_VENV)
    add_out_argument(parser, "peers")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds, args.warmup_s = 2.0, 1, 1.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    png = mnist_pngs(data_dir(), 1)[0][0]
    notes: dict[str, str] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp,
        servers(args, Path(tmp) / "logs", notes) as peers,
    ):
        figures = measure(args, peers, multipart_body(png))
        for peer in peers:  # a peer's own words on its errors, for the record
            if not peer.extra and any(run["errors"] for run in figures[peer.name].values()):
                notes[f"{peer.name} errors"] = first_error(peer.process.log())
    report = {
        "model": str(args.model),
        "clients": args.clients,
        "seconds_per_run": args.seconds,
        "rounds": args.rounds,
        "quick": args.quick,
        "others_paused": True,  # each server measured with the others stopped (SIGSTOP)
        "servers": figures,
        "not_measured": notes,
        "onnx_in_process": onnx_in_process(args.model, 0.5 if args.quick else 2.0),
        "image": image_costs(png),
        "targets": verdicts(figures, max(args.clients)),
    }
    emit("peers", report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
