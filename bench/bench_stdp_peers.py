"""STDP learning speed: SpikeGlyph against BindsNET's Diehl & Cook, measured in one run.

Both engines learn (unsupervised STDP, weights changing after every image or batch) on the same
MNIST training digits, with the same number of excitatory neurons and time steps per image
(dt = 1 ms), the same number of torch threads, in wall time (``time.perf_counter``) after a
warm-up. Three settings are timed in rounds, the order rotating each round so that any drift of
the machine's load hits all of them:

* ``bindsnet_b1``: BindsNET's ``DiehlAndCook2015`` as in its ``examples/mnist/eth_mnist.py``
  (batch 1), in a subprocess of BindsNET's own virtual environment (``bench_stdp_bindsnet.py``;
  built once under ``var/peers/bindsnet-venv`` by ``bench_stdp_peerenv.py``);
* ``spikeglyph_b<B>``: SpikeGlyph's learner at its default batch (``StdpTrainConfig``);
* ``spikeglyph_b1``: the same at batch 1, to tell batching apart from per-step speed.

Each round gives every setting the next ``--images`` digits; the JSON keeps every round's
milliseconds per image, their median and spread, and the ratios (of medians, and round by
round). If BindsNET cannot be installed or run, the bench says why and exits non-zero.

    SPIKEGLYPH_DATA_DIR=/path/to/datasets nice -n 10 python bench/bench_stdp_peers.py \\
        --neurons 400 --timesteps 100 --images 256 --repeats 5 --threads 1
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import add_out_argument, data_dir, emit
from bench_stdp_peerenv import (
    BINDSNET_VERSION,
    VENV,
    BindsnetWorker,
    PeerUnavailable,
    ensure_bindsnet_env,
    makefile_torch_index,
)
from bench_stdp_stats import Trial, paired_ratios, round_order, summarise

from spikeglyph.data import load_split
from spikeglyph.train.stdp.api import flat_images
from spikeglyph.train.stdp.config import StdpTrainConfig
from spikeglyph.train.stdp.learning import batch_generator, learn_batch
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec

log = logging.getLogger("bench_stdp_peers")

Engine = Callable[[int, int], Trial]


def spikeglyph_engine(images: torch.Tensor, spec: StdpSpec, batch: int, seed: int) -> Engine:
    """Learns ``images[start:stop]`` in batches of ``batch`` with a network of its own."""
    net = StdpNet(spec)
    batches_done = 0

    def learn(start: int, stop: int) -> Trial:
        nonlocal batches_done
        spikes = 0.0
        presented_again = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        for first in range(start, stop, batch):
            chunk = images[first : min(first + batch, stop)]
            stats = learn_batch(net, chunk, batch_generator(seed, 0, batches_done))
            batches_done += 1
            spikes += stats.spikes
            presented_again += stats.boosted
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        return Trial(seconds, cpu, stop - start, spikes, presented_again)

    return learn


def timed_rounds(
    engines: dict[str, Engine], warmup: int, per_round: int, rounds: int
) -> tuple[dict[str, list[Trial]], list[list[str]]]:
    """Warm every engine up on the first ``warmup`` digits, then time ``rounds`` rounds."""
    for name, learn in engines.items():
        log.info("warm-up: %s", name)
        learn(0, warmup)
    trials: dict[str, list[Trial]] = {name: [] for name in engines}
    orders = []
    for index in range(rounds):
        start = warmup + index * per_round
        order = round_order(list(engines), index)
        orders.append(order)
        for name in order:
            trial = engines[name](start, start + per_round)
            trials[name].append(trial)
            log.info("round %d %s: %.2f ms/image", index + 1, name, trial.ms_per_image)
    return trials, orders


def setting_report(engine: str, batch: int, trials: Sequence[Trial]) -> dict[str, Any]:
    images = sum(t.images for t in trials)
    report: dict[str, Any] = {
        "engine": engine,
        "batch_size": batch,
        "ms_per_image": summarise([t.ms_per_image for t in trials]),
        "ms_per_image_by_round": [round(t.ms_per_image, 3) for t in trials],
        "cpu_ms_per_image": summarise([t.cpu_ms_per_image for t in trials]),
        "excitatory_spikes_per_image": round(sum(t.spikes for t in trials) / images, 2),
    }
    if engine == "spikeglyph":
        report["presented_again_per_image"] = round(
            sum(t.presented_again for t in trials) / images, 4
        )
    return report


def ratio_report(trials: dict[str, list[Trial]], peer: str, ours: Sequence[str]) -> dict[str, Any]:
    """How many times longer BindsNET takes per image than each SpikeGlyph setting."""
    peer_ms = [t.ms_per_image for t in trials[peer]]
    peer_cpu = [t.cpu_ms_per_image for t in trials[peer]]
    return {
        f"{peer}/{name}": {
            **paired_ratios(peer_ms, [t.ms_per_image for t in trials[name]]),
            "of_cpu_medians": paired_ratios(peer_cpu, [t.cpu_ms_per_image for t in trials[name]])[
                "of_medians"
            ],
        }
        for name in ours
    }


def notes(batch: int) -> list[str]:
    return [
        "Same network: 784 Poisson inputs -> N excitatory LIF neurons with adaptive thresholds "
        "(theta_plus 0.05 mV, tau_theta 1e7 ms, tau 100 ms, threshold -52 mV, reset -60 mV, "
        "5 ms refractory), each driving its own inhibitory partner that inhibits every other "
        "excitatory neuron. BindsNET simulates the N inhibitory LIF neurons and an N x N "
        "inhibitory weight matrix every step; SpikeGlyph applies their net effect (c per other "
        "excitatory spike, one step later) without simulating them.",
        "Parameters: BindsNET with the defaults of examples/mnist/eth_mnist.py (exc 22.5, "
        "inh 120, intensity 128 Hz, PostPre rule with nu = (1e-4, 1e-2), norm 78.4); "
        "SpikeGlyph with its own defaults (StdpSpec: c = 100 mV, 128 Hz, pair rule with the "
        "same learning rates, norm 78.4). Same neuron count, time steps and dt = 1 ms.",
        "Both learn on every image: BindsNET changes the weights at every time step and "
        "normalises them after each image; SpikeGlyph holds them fixed during a presentation "
        f"and applies the summed change after each batch (after each image at batch 1; after "
        f"{batch} images at its default batch), then clips, normalises and raises thresholds.",
        "Timed on both sides: Poisson encoding of each image, the simulation, learning, and "
        "recording the excitatory spikes of every step (BindsNET: one spike Monitor on the "
        "excitatory layer, as eth_mnist.py keeps for labelling; its voltage monitors and "
        "plots are off). SpikeGlyph's time also includes presenting again, 32 Hz brighter, "
        "any image that drove fewer than 5 spikes (presented_again_per_image); BindsNET's "
        "example does not.",
        "Wall time (time.perf_counter) of each round, after a warm-up on the same digits; the "
        "settings alternate within each round, the order rotating every round. BindsNET runs "
        "in its own process and virtual environment, idle while SpikeGlyph runs and vice "
        "versa; both have torch pinned to the same number of threads.",
        "BindsNET 0.3.4 asks for torch >= 2.14 and torchvision >= 0.29; it runs here on the "
        "project's CPU torch (bindsnet_install). Its package __init__ also imports plotting, "
        "dataset and game-environment modules (torchvision, gymnasium, OpenCV) that the "
        "network does not use, so the worker loads bindsnet.network, bindsnet.models and "
        "bindsnet.encoding directly; the simulated network is BindsNET's own code.",
        "Ratios are BindsNET's ms per image over SpikeGlyph's: 'of_medians' from the medians, "
        "'by_round' from each round's pair (robust to load drift between rounds). "
        "'of_cpu_medians' compares process CPU time the same way (time.process_time on both "
        "sides): on a loaded machine it shows how much of the wall time was waiting.",
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = ensure_bindsnet_env(args.venv, args.bindsnet_version, args.torch_index)
    load_at_start = round(os.getloadavg()[0], 2)
    total = args.warmup + args.images * args.repeats
    digits, _ = load_split(data_dir(), "mnist", "train")
    if total > len(digits):
        raise SystemExit(f"needs {total} training digits, the split has {len(digits)}")
    spec = StdpSpec(neurons=args.neurons, timesteps=args.timesteps, noise_seed=args.seed)
    images = flat_images(digits[:total])
    ours = {f"spikeglyph_b{b}": b for b in dict.fromkeys([args.batch_size, 1])}
    with tempfile.TemporaryDirectory() as tmp:
        digits_file = Path(tmp) / "digits.npy"
        np.save(digits_file, np.ascontiguousarray(digits[:total]), allow_pickle=False)
        worker = BindsnetWorker(
            env.python, digits_file, args.neurons, args.timesteps, args.threads, args.seed
        )
        with worker as peer:
            engines: dict[str, Engine] = {"bindsnet_b1": peer.learn}
            for name, batch in ours.items():
                engines[name] = spikeglyph_engine(images, spec, batch, args.seed)
            trials, orders = timed_rounds(engines, args.warmup, args.images, args.repeats)
            ready = peer.ready
    settings = {"bindsnet_b1": setting_report("bindsnet", 1, trials["bindsnet_b1"])}
    settings["bindsnet_b1"]["parameters"] = ready["parameters"]
    for name, batch in ours.items():
        settings[name] = setting_report("spikeglyph", batch, trials[name])
    return {
        "command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "neurons": args.neurons,
        "timesteps": args.timesteps,
        "dt_ms": spec.dt_ms,
        "images_per_round": args.images,
        "rounds": args.repeats,
        "warmup_images": args.warmup,
        "digits": f"MNIST training split, first {total} (warm-up, then one block per round)",
        "load_1min_at_start": load_at_start,
        "threads": {"spikeglyph": torch.get_num_threads(), "bindsnet": ready["threads"]},
        "versions": {
            "spikeglyph": importlib.metadata.version("spikeglyph"),
            "spikeglyph_torch": torch.__version__,
            "bindsnet": ready["bindsnet"],
            "bindsnet_torch": ready["torch"],
        },
        "bindsnet_install": env.record,
        "settings": settings,
        "ratios": ratio_report(trials, "bindsnet_b1", list(ours)),
        "round_orders": orders,
        "notes": notes(args.batch_size),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    shipped = StdpSpec()
    parser.add_argument("--neurons", type=int, default=shipped.neurons)
    parser.add_argument("--timesteps", type=int, default=shipped.timesteps)
    parser.add_argument("--batch-size", type=int, default=StdpTrainConfig().batch_size)
    parser.add_argument("--images", type=int, default=256, help="digits per setting per round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds")
    parser.add_argument("--warmup", type=int, default=32, help="untimed digits first")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, both engines")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bindsnet-version", default=BINDSNET_VERSION)
    parser.add_argument("--venv", type=Path, default=VENV, help="BindsNET's environment")
    parser.add_argument(
        "--torch-index",
        default=makefile_torch_index(),
        help="extra package index of the CPU torch (default: the Makefile's TORCH_INDEX)",
    )
    add_out_argument(parser, "stdp_speed")
    args = parser.parse_args()
    if min(args.neurons, args.timesteps, args.batch_size, args.images, args.repeats) < 1:
        parser.error("sizes and counts must be positive")
    return args


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args = parse_args()
    torch.set_num_threads(args.threads)
    try:
        result = run(args)
    except PeerUnavailable as exc:
        log.error("BindsNET cannot run here, so there is no comparison: %s\n%s", exc, exc.output)
        raise SystemExit(2) from exc
    emit("stdp_speed", result, args.out)


if __name__ == "__main__":
    main()
