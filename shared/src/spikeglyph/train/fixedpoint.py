"""Fixed-point emulation of a surrogate-gradient model, as neuromorphic chips compute it.

A float model directory becomes a new version (parent = the float one) whose ONNX graph uses

* **8-bit weights**: per layer, symmetric scale s_w = max|W| / 127, W_q = round(W / s_w);
  batch norm and the input normalisation are folded into the weights first;
* **integer inputs**: the image quantised to ``input_bits`` (8: x_q = round(255·x)); spikes
  are 0/1 anyway;
* **integer currents**: I_q = W_q·x_q + b_q, b_q = round(b / s_acc), s_acc = s_w·s_in. They
  are exact in float32 because every partial sum stays below 2²⁴ (checked at conversion);
* **integer membranes**: membrane, threshold and adaptation live in units of s_acc, the decay
  is a fixed-point fraction β_q = round(β·2⁸), and every update rounds:

      U ← round(β_q·U / 2⁸) + I_q − ϑ_q·S          (reset by subtraction; or ·(1 − S) for zero)
      S = [U − ϑ_q − a > 0],   a ← round(ρ_q·a / 2⁸) + γ_q·S   (adaptive thresholds)

  computed in float64 (exact for integers below 2⁵³), so the ONNX graph and torch agree bit
  for bit.

The manifest records the constants, the parent's validation accuracy and the delta.
"""

from __future__ import annotations

import io
import logging
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import ONNX_NAME, Manifest
from spikeglyph.recipe.records import surrogate_recipe_of
from spikeglyph.runtime import REQUIRED_OUTPUTS
from spikeglyph.schemas import utcnow
from spikeglyph.train.encoders import latency_encode, rate_encode
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.modelio import load_model, new_version, write_trained_model
from spikeglyph.train.network import MNIST_MEAN, MNIST_STD, SpikingNet, per_step_total

log = logging.getLogger(__name__)

WEIGHT_BITS = 8
FRAC_BITS = 8
EXACT_FLOAT32 = 2**24
FAMILY = "fixedpoint"


class FixedLIF(NamedTuple):
    """Integer constants of one LIF layer (units of its accumulator scale)."""

    beta_q: int  # decay · 2^FRAC_BITS
    threshold_q: int
    reset: str
    rho_q: int | None = None  # adaptation decay · 2^FRAC_BITS; None = fixed threshold
    gamma_q: int = 0


@dataclass(frozen=True)
class LayerScale:
    name: str
    weight_scale: float
    input_scale: float
    max_partial_sum: int  # bound on |I_q| before the membrane: must stay below 2^24

    @property
    def accumulator_scale(self) -> float:
        return self.weight_scale * self.input_scale


def fixed_round(value: torch.Tensor, fraction_q: int) -> torch.Tensor:
    """round(fraction_q · value / 2^FRAC_BITS): a fixed-point multiply with rounding."""
    return torch.round(value * float(fraction_q) / float(2**FRAC_BITS))


def fixed_lif_sequence(
    current: torch.Tensor, params: FixedLIF, steps: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Integer LIF over T steps: (spikes [T, ...], membrane before reset [T, ...]), float64.

    ``current`` is [T, ...] integers, or [...] with ``steps`` for a constant input.
    """
    current = current.double()
    constant = steps is not None
    t_steps = steps if steps is not None else int(current.shape[0])
    shape = current.shape if constant else current.shape[1:]
    mem = current.new_zeros(shape)
    prev = current.new_zeros(shape)
    adapt = current.new_zeros(shape) if params.rho_q is not None else None
    spikes, membranes = [], []
    for t in range(t_steps):
        drive = current if constant else current[t]
        if params.reset == "zero":
            mem = fixed_round(mem * (1.0 - prev), params.beta_q) + drive
        else:
            mem = fixed_round(mem, params.beta_q) + drive - float(params.threshold_q) * prev
        threshold: torch.Tensor | float = float(params.threshold_q)
        if adapt is not None and params.rho_q is not None:
            adapt = fixed_round(adapt, params.rho_q) + float(params.gamma_q) * prev
            threshold = float(params.threshold_q) + adapt
        out = (mem - threshold > 0).to(mem.dtype)
        spikes.append(out)
        membranes.append(mem)
        prev = out
    return torch.stack(spikes), torch.stack(membranes)


def folded_layers(net: SpikingNet) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(name, weight, bias) of every synaptic layer with BN and input normalisation folded in."""
    layers = []
    for i, (conv, norm) in enumerate(zip(net.convs, net.norms, strict=True)):
        weight = conv.weight.detach().clone()
        bias = (
            conv.bias.detach().clone() if conv.bias is not None else torch.zeros(conv.out_channels)
        )
        if isinstance(norm, nn.BatchNorm2d):
            assert norm.running_var is not None and norm.running_mean is not None
            gain = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
            weight = weight * gain.view(-1, 1, 1, 1)
            bias = (bias - norm.running_mean) * gain + norm.bias.detach()
        layers.append((f"conv{i + 1}", weight, bias))
    for i, fc in enumerate(net.fcs):
        layers.append((f"fc{i + 1}", fc.weight.detach().clone(), fc.bias.detach().clone()))
    layers.append(("readout", net.readout.weight.detach().clone(), net.readout.bias.detach()))
    if net.encoder.kind == "direct":  # (x − m)/s folded: W' = W/s, b' = b − (m/s)·ΣW
        name, weight, bias = layers[0]
        dims = tuple(range(1, weight.dim()))
        layers[0] = (name, weight / MNIST_STD, bias - MNIST_MEAN / MNIST_STD * weight.sum(dims))
    return layers


def quantise(weight: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Symmetric per-layer 8-bit quantisation: (int8 weights, scale)."""
    levels = 2 ** (WEIGHT_BITS - 1) - 1
    scale = float(weight.abs().max()) / levels or 1.0
    return torch.round(weight / scale).clamp(-levels, levels).to(torch.int8), scale


class FixedPointNet(nn.Module):
    """The integer emulation of a :class:`SpikingNet`; outputs as the runtime expects."""

    def __init__(self, net: SpikingNet, input_bits: int = WEIGHT_BITS) -> None:
        super().__init__()
        self.arch, self.encoder, self.timesteps = net.arch, net.encoder, net.timesteps
        self.input_levels = 2**input_bits - 1 if net.encoder.kind == "direct" else 1
        self.input_bits = input_bits
        self.kernel = net.arch.kernel
        self.pool_current = net.arch.pool == "current"
        self.pad_value = round(MNIST_MEAN * self.input_levels)
        self.n_convs, self.n_fcs = len(net.convs), len(net.fcs)
        self.scales: list[LayerScale] = []
        self.lifs: list[FixedLIF] = []
        lif_modules = [*net.conv_lifs, *net.fc_lifs]
        in_scale = 1.0 / self.input_levels
        for index, (name, weight, bias) in enumerate(folded_layers(net)):
            weight_q, scale = quantise(weight)
            acc = scale * in_scale
            bias_q = torch.round(bias / acc).to(torch.int32)
            in_max = self.input_levels if index == 0 else 1
            dims = tuple(range(1, weight_q.dim()))
            bound = weight_q.abs().to(torch.int64).sum(dims) * in_max + bias_q.abs()
            self.scales.append(LayerScale(name, scale, in_scale, int(bound.max())))
            self.register_buffer(f"w_{name}", weight_q)
            self.register_buffer(f"b_{name}", bias_q)
            if index < len(lif_modules):
                self.lifs.append(self._lif_constants(lif_modules[index].params(), acc))
            else:
                threshold_q = round(net.arch.neuron.threshold / acc)
                self.lifs.append(FixedLIF(2**FRAC_BITS, threshold_q, "subtract"))
            in_scale = 1.0  # every later layer is fed by 0/1 spikes
        for i in range(self.n_convs):
            self.register_buffer(f"fanout{i}", getattr(net, f"fanout{i}").clone())
        if net.encoder.kind == "rate":
            self.register_buffer("noise", net.noise.clone())
        self.register_buffer("hidden_idx", net.hidden_idx.clone())

    @staticmethod
    def _lif_constants(params: Any, acc: float) -> FixedLIF:
        beta = float(params.beta.detach())
        rho = None if params.adapt_decay is None else round(params.adapt_decay * 2**FRAC_BITS)
        return FixedLIF(
            beta_q=round(beta * 2**FRAC_BITS),
            threshold_q=round(params.threshold / acc),
            reset=params.reset,
            rho_q=rho,
            gamma_q=round(params.adapt_strength / acc),
        )

    def exact(self) -> bool:
        """Whether every float32 partial sum of a current is an exact integer."""
        return all(s.max_partial_sum < EXACT_FLOAT32 for s in self.scales)

    def _weights(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        return getattr(self, f"w_{name}").float(), getattr(self, f"b_{name}").float()

    def _pool_current(self, current: torch.Tensor) -> torch.Tensor:
        """Max-pool integer currents (exact) when the blocks pool before their neurons."""
        return F.max_pool2d(current, 2) if self.pool_current else current

    def _encode(self, images: torch.Tensor) -> tuple[torch.Tensor, bool]:
        kind = self.encoder.kind
        if kind == "direct":
            return torch.round(images.clamp(0.0, 1.0) * float(self.input_levels)), True
        if kind == "rate":
            return rate_encode(images, self.noise.unsqueeze(1), self.encoder.gain), False
        return latency_encode(images, self.timesteps), False

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        steps, batch = self.timesteps, images.shape[0]
        x, static = self._encode(images)
        input_spikes = None if static else x
        layer_spikes: list[torch.Tensor] = []
        sops: list[torch.Tensor] = []  # [T, B, 1] per synaptic layer fed by spikes
        fanouts: list[float] = []  # what multiplies each of those into SOPs
        index = 0
        for i in range(self.n_convs):
            weight, bias = self._weights(f"conv{i + 1}")
            pad = self.kernel // 2
            if static:
                # the normalisation is folded into the weights, so the border must be padded
                # with the (quantised) mean pixel, not 0, to stay the same convolution
                padded = F.pad(x, (pad, pad, pad, pad), value=float(self.pad_value))
                cur = self._pool_current(F.conv2d(padded, weight, bias))
                spikes, _ = fixed_lif_sequence(cur, self.lifs[index], steps)
                static = False
            else:
                fanout = getattr(self, f"fanout{i}")[0].expand(x.shape[2], -1, -1).reshape(-1)
                sops.append(per_step_total(x, steps, fanout.numel(), fanout))
                fanouts.append(1.0)
                cur = self._pool_current(F.conv2d(x.flatten(0, 1), weight, bias, padding=pad))
                spikes, _ = fixed_lif_sequence(
                    cur.view(steps, batch, *cur.shape[1:]), self.lifs[index]
                )
            spikes = spikes.float()
            layer_spikes.append(spikes)
            if self.pool_current:
                x = spikes
            else:
                pooled = F.max_pool2d(spikes.flatten(0, 1), 2)
                x = pooled.view(steps, batch, *pooled.shape[1:])
            index += 1
        x = x.flatten(1) if static else x.flatten(2)
        for i in range(self.n_fcs):
            weight, bias = self._weights(f"fc{i + 1}")
            if static:
                spikes, _ = fixed_lif_sequence(F.linear(x, weight, bias), self.lifs[index], steps)
                static = False
            else:
                sops.append(per_step_total(x, steps, weight.shape[1]))
                fanouts.append(weight.shape[0])
                spikes, _ = fixed_lif_sequence(F.linear(x, weight, bias), self.lifs[index])
            x = spikes.float()
            layer_spikes.append(x)
            index += 1
        weight, bias = self._weights("readout")
        sops.append(per_step_total(x, steps, weight.shape[1]))
        fanouts.append(weight.shape[0])
        current = F.linear(x, weight, bias)  # [T, B, C] integers
        acc = self.scales[-1].accumulator_scale
        logits = (current.double().sum(0) * (acc / steps)).float()
        out_spikes, membrane = fixed_lif_sequence(current, self.lifs[-1])
        out_spikes = out_spikes.float()
        totals = [per_step_total(s, steps, s[0, 0].numel()) for s in [*layer_spikes, out_spikes]]
        hidden = layer_spikes[-1].flatten(2)[:, :, self.hidden_idx]
        values = [
            logits,
            out_spikes.sum(0),
            (membrane * acc).float().transpose(0, 1),
            out_spikes.transpose(0, 1),
            torch.cat(totals, 2).sum(0),
            torch.cat(sops, 2).sum(0) * logits.new_tensor(fanouts),
            hidden.transpose(0, 1),
        ]
        if input_spikes is not None:
            values.append(input_spikes.flatten(2).transpose(0, 1))
        return tuple(values)

    def output_names(self) -> list[str]:
        names = list(REQUIRED_OUTPUTS)
        return names if self.encoder.kind == "direct" else [*names, "input_spikes"]

    def describe(self) -> dict[str, Any]:
        """The quantisation constants, for the manifest."""
        return {
            "weight_bits": WEIGHT_BITS,
            "frac_bits": FRAC_BITS,
            "input_bits": self.input_bits if self.encoder.kind == "direct" else 1,
            "layers": [{**asdict(s), **self.lifs[i]._asdict()} for i, s in enumerate(self.scales)],
        }


def build_fixed_point(net: SpikingNet) -> FixedPointNet:
    """The emulation with the most input bits (≤ 8) whose float32 currents stay exact."""
    for bits in range(WEIGHT_BITS, 3, -1):
        fixed = FixedPointNet(net, bits)
        if fixed.exact():
            return fixed.eval()
    raise InvalidModel("no input precision keeps this model's currents exact in float32")


@torch.no_grad()
def fixed_accuracy(
    model: nn.Module, images: np.ndarray, labels: np.ndarray, batch: int = 500
) -> float:
    """Accuracy of a :class:`FixedPointNet` (or anything returning logits first)."""
    correct = 0
    for start in range(0, len(images), batch):
        logits = model(to_tensor(images[start : start + batch]))[0]
        correct += int((logits.argmax(1).numpy() == labels[start : start + batch]).sum())
    return correct / max(len(labels), 1)


@torch.no_grad()
def float_accuracy(net: SpikingNet, images: np.ndarray, labels: np.ndarray) -> float:
    net.eval()
    correct = 0
    for start in range(0, len(images), 500):
        logits = net(to_tensor(images[start : start + 500])).logits
        correct += int((logits.argmax(1).numpy() == labels[start : start + 500]).sum())
    return correct / max(len(labels), 1)


def export_fixed_onnx(model: FixedPointNet) -> bytes:
    names = model.output_names()
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # T is a constant of the model: the tracer may (correctly) treat it as one.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            (torch.zeros(2, 1, 28, 28),),
            buffer,
            input_names=["image"],
            output_names=names,
            dynamic_axes={"image": {0: "batch"}, **{n: {0: "batch"} for n in names}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()


def fixed_parity(model: FixedPointNet, onnx_path: Path, images: np.ndarray) -> dict[str, Any]:
    """torch vs ONNX Runtime on float images [B, 1, 28, 28]: must agree exactly."""
    import onnxruntime as ort

    names = model.output_names()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = [v.numpy() for v in model(torch.from_numpy(images))]
    got = session.run(names, {"image": images})
    by_name = dict(zip(names, zip(expected, got, strict=True), strict=True))
    spikes = by_name["layer_spikes"]
    return {
        "n": len(images),
        "prediction_agreement": float(
            (by_name["logits"][0].argmax(1) == by_name["logits"][1].argmax(1)).mean()
        ),
        "identical_spike_counts": bool(np.array_equal(spikes[0], spikes[1])),
        "max_logit_diff": float(np.abs(by_name["logits"][0] - by_name["logits"][1]).max()),
    }


def make_fixed_point(
    model_dir: Path,
    target: Path,
    *,
    data_dir: Path,
    version: str | None = None,
    max_val: int | None = None,
) -> Manifest:
    """Write the fixed-point copy of ``model_dir`` at ``target`` and return its manifest.

    Both models are scored on the parent's validation split (the same ``val_size``); the
    delta is recorded in ``metrics`` and ``variants["fixed_point"]``.
    """
    net, parent = load_model(model_dir)
    fixed = build_fixed_point(net)
    val_size = surrogate_recipe_of(parent).val_size
    val_x, val_y = load_split(data_dir, parent.dataset, "val", val_size=val_size)
    if max_val is not None:
        val_x, val_y = val_x[:max_val], val_y[:max_val]
    parent_acc = float_accuracy(net, val_x, val_y)
    fixed_acc = fixed_accuracy(fixed, val_x, val_y)
    summary = {
        **fixed.describe(),
        "parent": parent.version,
        "parent_val_accuracy": parent_acc,
        "val_accuracy": fixed_acc,
        "accuracy_delta": fixed_acc - parent_acc,
        "val_n": len(val_y),
    }
    log.info("fixed-point %s: %.4f vs float %.4f", parent.version, fixed_acc, parent_acc)
    sample = to_tensor(val_x[:64]).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / ONNX_NAME
        onnx_path.write_bytes(export_fixed_onnx(fixed))
        report = fixed_parity(fixed, onnx_path, sample)
        if report["prediction_agreement"] < 1.0 or not report["identical_spike_counts"]:
            raise InvalidModel(f"fixed-point ONNX export does not match torch: {report}")
        with torch.no_grad():
            outputs = fixed(torch.from_numpy(sample))
        manifest = parent.model_copy(
            update={
                "version": version or new_version(parent.dataset, "fixedpoint"),
                "family": FAMILY,
                "parent": parent.version,
                "metrics": {
                    "val_accuracy": fixed_acc,
                    "val_n": len(val_y),
                    "parent_val_accuracy": parent_acc,
                    "accuracy_delta": fixed_acc - parent_acc,
                    "onnx_parity": report,
                },
                "spikes_per_inference": float(outputs[4].sum(1).mean()),
                "sops_per_inference": float(outputs[5].sum(1).mean()),
                "variants": {"fixed_point": summary},
                "created_at": utcnow(),
                "files": {},
            }
        )
        return write_trained_model(target, fixed, manifest, onnx_path)
