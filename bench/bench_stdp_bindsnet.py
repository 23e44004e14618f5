"""BindsNET's Diehl & Cook network learning MNIST digits, timed one chunk at a time.

Runs inside BindsNET's own virtual environment (``var/peers/bindsnet-venv``, built by
``bench_stdp_peerenv.py``) as the peer half of ``bench_stdp_peers.py``; it imports neither
SpikeGlyph nor anything outside the standard library, torch, numpy and BindsNET.

The network and its inputs are those of BindsNET's ``examples/mnist/eth_mnist.py``:
``DiehlAndCook2015(n_inpt=784, exc=22.5, inh=120, dt=1.0, norm=78.4, theta_plus=0.05,
inpt_shape=(1, 28, 28))``, each image scaled to [0, 1] and times ``intensity`` = 128 Hz,
Poisson-encoded for ``time`` steps, ``network.run`` with learning on, batch size 1, then
``reset_state_variables()``. The example's excitatory spike monitor is kept (it needs the
spikes to label neurons); its voltage monitors and plots are left out.

Protocol: after building the network the script prints one JSON line ``{"ready": ...}`` (versions,
threads, parameters). Then every stdin line ``{"start": i, "stop": j}`` makes it learn
images ``i..j-1`` and print ``{"seconds": wall, "cpu_seconds": process CPU, "images": j - i,
"spikes": excitatory spikes}``.
End of input ends it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
import time
import types
from typing import Any

import numpy as np
import torch

INTENSITY_HZ = 128.0  # eth_mnist.py --intensity
EXC = 22.5  # eth_mnist.py --exc
INH = 120.0  # eth_mnist.py --inh
THETA_PLUS = 0.05  # eth_mnist.py --theta_plus


def import_bindsnet_network() -> tuple[Any, Any, Any]:
    """BindsNET's model, Poisson encoder and monitor, without ``bindsnet/__init__.py``.

    The package's ``__init__`` also imports its plotting, dataset and game-environment
    modules (torchvision, gymnasium, ale-py, OpenCV); none of them take part in the network,
    and the CPU torch this bench pins has no matching torchvision on PyPI. So the package is
    registered by its path and only the network, model and encoding modules are loaded (the
    network first: that is the order in which their circular imports resolve).
    """
    spec = importlib.util.find_spec("bindsnet")
    if spec is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError("bindsnet is not installed in this environment")
    package = types.ModuleType("bindsnet")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["bindsnet"] = package
    importlib.import_module("bindsnet.network")
    models = importlib.import_module("bindsnet.models")
    encoding = importlib.import_module("bindsnet.encoding")
    monitors = importlib.import_module("bindsnet.network.monitors")
    return models.DiehlAndCook2015, encoding.poisson, monitors.Monitor


class Learner:
    """One DiehlAndCook2015 network that learns images one at a time, as eth_mnist.py does."""

    def __init__(self, images: np.ndarray, neurons: int, timesteps: int) -> None:
        model, self.poisson, monitor = import_bindsnet_network()
        self.timesteps = timesteps
        self.images = torch.from_numpy(images).float().div_(255.0).view(-1, 1, 28, 28)
        self.network = model(
            n_inpt=784,
            n_neurons=neurons,
            exc=EXC,
            inh=INH,
            dt=1.0,
            norm=78.4,
            theta_plus=THETA_PLUS,
            inpt_shape=(1, 28, 28),
        )
        self.spikes = monitor(self.network.layers["Ae"], state_vars=["s"], time=timesteps)
        self.network.add_monitor(self.spikes, name="Ae_spikes")

    def parameters(self) -> dict[str, Any]:
        """The settings that shape the run, as the built network holds them."""
        rule = self.network.connections[("X", "Ae")].pipeline[0].learning_rule
        return {
            "exc": EXC,
            "inh": INH,
            "intensity_hz": INTENSITY_HZ,
            "theta_plus": THETA_PLUS,
            "learning_rule": type(rule).__name__,
            "nu": [round(float(v), 8) for v in torch.as_tensor(rule.nu).flatten()],
        }

    def learn(self, start: int, stop: int) -> float:
        """Learn images ``start..stop-1``; the excitatory spikes they drove."""
        total = 0.0
        for index in range(start, stop):
            encoded = self.poisson(self.images[index] * INTENSITY_HZ, time=self.timesteps, dt=1.0)
            inputs = {"X": encoded.view(self.timesteps, 1, 1, 28, 28)}
            self.network.run(inputs=inputs, time=self.timesteps)
            total += float(self.spikes.get("s").sum())
            self.network.reset_state_variables()
        return total


def answer(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", required=True, help=".npy file, uint8 [M, 28, 28]")
    parser.add_argument("--neurons", type=int, required=True)
    parser.add_argument("--timesteps", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images = np.load(args.images, allow_pickle=False)
    learner = Learner(images, args.neurons, args.timesteps)
    answer(
        {
            "ready": True,
            "bindsnet": importlib.metadata.version("bindsnet"),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "threads": torch.get_num_threads(),
            "parameters": learner.parameters(),
        }
    )
    for line in sys.stdin:
        request = json.loads(line)
        started, cpu_started = time.perf_counter(), time.process_time()
        spikes = learner.learn(int(request["start"]), int(request["stop"]))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        images = request["stop"] - request["start"]
        answer({"seconds": seconds, "cpu_seconds": cpu, "images": images, "spikes": spikes})


if __name__ == "__main__":
    main()
