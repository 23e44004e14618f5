"""Training runs as TensorBoard event files, written by ``tensorboardX``: the event-file writer
alone, without TensorBoard's server (grpc, its data server: about 55 MB a trainer image would
carry and never run). ``tensorboard --logdir`` (the ``tensorboard`` extra, or the Compose profile's
own image) reads them.

Surrogate-gradient runs log once per epoch:

* scalars: ``loss/train``, ``accuracy/train``, ``accuracy/val``, ``lr``, and per spiking layer
  ``firing_rate/<layer>`` (spikes per neuron per step) and ``spikes/<layer>``, and per
  synaptic layer ``sops/<layer>`` (synaptic operations per inference), all measured on a fixed
  sample of validation images with the same telemetry the served graph reports;
* histograms: every weight tensor (``weights/<name>``) and each layer's firing rate per image
  (``firing_rate/<layer>``);
* images: the first layer's weights (``weights/conv1`` kernels or ``weights/fc1`` input
  weights as 28×28 tiles), drawn by :mod:`spikeglyph.weightfigures`.

STDP runs log at every checkpoint: spikes per image, the excitatory neurons' input weights as
28×28 tiles, and histograms of the weights and adaptive thresholds; after labelling, the
validation accuracy.

Open a run with ``tensorboard --logdir DIR``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from spikeglyph.weightfigures import input_weight_tiles, kernel_tiles, tile_grid

if TYPE_CHECKING:
    from tensorboardX import SummaryWriter

    from spikeglyph.train.network import SpikingNet
    from spikeglyph.train.stdp.network import StdpNet

log = logging.getLogger(__name__)

SAMPLE_IMAGES = 256  # validation images the per-epoch telemetry runs on
MAX_TILES = 100  # input-weight tiles drawn per figure (the first neurons)


class TensorBoardLog:
    """One run's event files in ``logdir`` (created; an existing run's files are appended to,
    so a resumed job continues its curves)."""

    def __init__(self, logdir: Path) -> None:
        from tensorboardX import SummaryWriter

        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self._writer: SummaryWriter = SummaryWriter(log_dir=str(self.logdir))
        log.info("TensorBoard event files in %s", self.logdir)

    def scalars(self, values: Mapping[str, float], step: int) -> None:
        for tag, value in values.items():
            self._writer.add_scalar(tag, float(value), step)

    def histogram(self, tag: str, values: np.ndarray | torch.Tensor, step: int) -> None:
        data = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else values
        if np.size(data):
            self._writer.add_histogram(tag, np.asarray(data, dtype=np.float64), step)

    def image(self, tag: str, rgb: np.ndarray, step: int) -> None:
        """An RGB picture [H, W, 3] (uint8)."""
        self._writer.add_image(tag, rgb, step, dataformats="HWC")

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


def open_log(logdir: Path | None) -> TensorBoardLog | None:
    return TensorBoardLog(logdir) if logdir is not None else None


def first_layer_figure(net: SpikingNet) -> tuple[str, np.ndarray]:
    """The tag and picture of a surrogate network's first synaptic layer's weights."""
    if len(net.convs) > 0:
        weight = net.convs[0].weight.detach().cpu().numpy()
        return "weights/conv1", tile_grid(kernel_tiles(weight), zoom=6)
    layer = net.fcs[0] if len(net.fcs) > 0 else net.readout
    weight = layer.weight.detach().cpu().numpy()[:MAX_TILES]
    name = "fc1" if len(net.fcs) > 0 else "readout"
    return f"weights/{name}", tile_grid(input_weight_tiles(weight, inputs_first=False), zoom=2)


@torch.no_grad()
def layer_activity(net: SpikingNet, images: np.ndarray) -> dict[str, Any]:
    """Per image and layer: spikes, firing rate and SOPs of ``net`` on float images
    [B, 1, 28, 28], from the telemetry the exported graph computes (on a CPU copy, so the
    training copy and its device are untouched)."""
    from spikeglyph.train.export import torch_outputs

    cpu = copy.deepcopy(net).cpu().eval()
    out = torch_outputs(cpu, images)
    neurons = cpu.neuron_counts()
    spiking = cpu.spiking_layer_names()
    spikes = out["layer_spikes"]  # [B, L]
    rates = {name: spikes[:, i] / (neurons[name] * cpu.timesteps) for i, name in enumerate(spiking)}
    return {
        "spikes": {name: spikes[:, i] for i, name in enumerate(spiking)},
        "rates": rates,
        "sops": {
            name: out["layer_sops"][:, i] for i, name in enumerate(cpu.synaptic_layer_names())
        },
    }


def log_surrogate_epoch(
    board: TensorBoardLog, net: SpikingNet, record: Mapping[str, Any], images: np.ndarray
) -> None:
    """Everything one epoch logs (see the module docstring); ``record`` is the epoch's line
    of ``metrics.jsonl``, ``images`` the fixed validation sample."""
    step = int(record["epoch"])
    board.scalars(
        {
            "loss/train": record["train_loss"],
            "accuracy/train": record["train_accuracy"],
            "accuracy/val": record["val_accuracy"],
            "lr": record["lr"],
        },
        step,
    )
    activity = layer_activity(net, images)
    board.scalars({f"firing_rate/{k}": float(v.mean()) for k, v in activity["rates"].items()}, step)
    board.scalars({f"spikes/{k}": float(v.mean()) for k, v in activity["spikes"].items()}, step)
    board.scalars({f"sops/{k}": float(v.mean()) for k, v in activity["sops"].items()}, step)
    for name, rates in activity["rates"].items():
        board.histogram(f"firing_rate/{name}", rates, step)
    for name, parameter in net.named_parameters():
        if name.endswith("weight"):
            board.histogram(f"weights/{name}", parameter, step)
    board.image(*first_layer_figure(net), step)


def stdp_figure(net: StdpNet) -> np.ndarray:
    """The excitatory neurons' input weights as 28×28 tiles (the first :data:`MAX_TILES`)."""
    weights = net.weights.detach().cpu().numpy()[:, :MAX_TILES]
    return tile_grid(input_weight_tiles(weights, inputs_first=True), zoom=2)


def log_stdp_checkpoint(
    board: TensorBoardLog, net: StdpNet, step: int, spikes_per_image: float
) -> None:
    """What an STDP run logs at a checkpoint, ``step`` counting images learnt."""
    board.scalars({"spikes_per_image/train": spikes_per_image}, step)
    board.histogram("weights/input_exc", net.weights, step)
    board.histogram("theta", net.theta, step)
    board.image("weights/input_exc", stdp_figure(net), step)
