"""The integer emulation of a :class:`~spikeglyph.train.network.SpikingNet`.

:class:`FixedPointNet` owns the integer weights and constants and runs the kernels of
:mod:`spikeglyph.train.fixedpoint.kernels`; its ``forward`` is what the ONNX graph holds, with
the outputs the runtime expects. :meth:`FixedPointNet.run` with a :class:`SaturationTally`
also counts how often each register saturated (kept out of the exported graph).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from spikeglyph.errors import InvalidModel
from spikeglyph.runtime import REQUIRED_OUTPUTS
from spikeglyph.train.encoders import latency_encode, rate_encode
from spikeglyph.train.fixedpoint.convert import (
    WEIGHT_BITS,
    BitWidths,
    LayerScale,
    check_representable,
    folded_layers,
    lif_constants,
    membrane_shift,
    partial_sum_bound,
    quantise,
    readout_constants,
)
from spikeglyph.train.fixedpoint.kernels import (
    FRAC_BITS,
    FixedLIF,
    FixedTrace,
    fixed_lif_sequence,
    register_use,
    saturate,
)
from spikeglyph.train.fixedpoint.tally import SaturationTally
from spikeglyph.train.network import MNIST_MEAN, SpikingNet, per_step_total

EXACT_FLOAT32 = 2**24


@dataclass
class _Telemetry:
    """What the forward pass collects besides the decision."""

    layer_spikes: list[torch.Tensor] = field(default_factory=list)  # [T, B, ...] per layer
    sops: list[torch.Tensor] = field(default_factory=list)  # [T, B, 1] per spike-fed layer
    fanouts: list[float] = field(default_factory=list)  # what turns each into SOPs


class FixedPointNet(nn.Module):
    """Integer weights, saturating integer currents and membranes; runtime-shaped outputs."""

    def __init__(
        self, net: SpikingNet, input_bits: int = WEIGHT_BITS, widths: BitWidths | None = None
    ) -> None:
        super().__init__()
        self.arch, self.encoder, self.timesteps = net.arch, net.encoder, net.timesteps
        self.widths = widths if widths is not None else BitWidths()
        self.input_levels = 2**input_bits - 1 if net.encoder.kind == "direct" else 1
        self.input_bits = input_bits
        self.kernel = net.arch.kernel
        self.pool_current = net.arch.pool == "current"
        self.pad_value = round(MNIST_MEAN * self.input_levels)
        self.n_convs, self.n_fcs = len(net.convs), len(net.fcs)
        self.scales: list[LayerScale] = []
        self.lifs: list[FixedLIF] = []
        self._quantise_layers(net)
        for i in range(self.n_convs):
            self.register_buffer(f"fanout{i}", getattr(net, f"fanout{i}").clone())
        if net.encoder.kind == "rate":
            self.register_buffer("noise", net.noise.clone())
        self.register_buffer("hidden_idx", net.hidden_idx.clone())

    def _quantise_layers(self, net: SpikingNet) -> None:
        lif_modules = [*net.conv_lifs, *net.fc_lifs]
        in_scale = 1.0 / self.input_levels
        for index, (name, weight, bias) in enumerate(folded_layers(net)):
            weight_q, scale = quantise(weight)
            acc = scale * in_scale
            bias_q = torch.round(bias / acc).to(torch.int32)
            in_max = self.input_levels if index == 0 else 1
            bound = partial_sum_bound(weight_q, bias_q, in_max)
            threshold = net.arch.neuron.threshold
            shift = membrane_shift(threshold / acc, self.widths.membrane)
            self.scales.append(LayerScale(name, scale, in_scale, bound, shift))
            self.register_buffer(f"w_{name}", weight_q)
            self.register_buffer(f"b_{name}", bias_q)
            if index < len(lif_modules):
                lif = lif_constants(lif_modules[index].params(), acc * 2**shift)
            else:
                lif = readout_constants(threshold, acc * 2**shift)
            check_representable(name, lif, self.widths.membrane)
            self.lifs.append(lif)
            in_scale = 1.0  # every later layer is fed by 0/1 spikes

    def exact(self) -> bool:
        """Whether every float32 partial sum of a current is an exact integer."""
        return all(s.max_partial_sum < EXACT_FLOAT32 for s in self.scales)

    # --- one layer -----------------------------------------------------------------------------
    def _weights(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        return getattr(self, f"w_{name}").float(), getattr(self, f"b_{name}").float()

    def _current(
        self, index: int, current: torch.Tensor, tally: SaturationTally | None
    ) -> torch.Tensor:
        """The exact synaptic sums, shifted into membrane units (rounding), written to the
        current register (saturating), then current-pooled (max commutes with both)."""
        bits, scale = self.widths.accumulator, self.scales[index]
        if scale.shift:
            current = torch.round(current / float(2**scale.shift))
        if tally is not None:
            tally.add_current(scale.name, register_use(current, bits))
        current = saturate(current, bits)
        if self.pool_current and index < self.n_convs:
            current = F.max_pool2d(current, 2)
        return current

    def _neurons(
        self,
        index: int,
        current: torch.Tensor,
        tally: SaturationTally | None,
        steps: int | None = None,
    ) -> FixedTrace:
        trace = fixed_lif_sequence(
            current,
            self.lifs[index],
            steps,
            membrane_bits=self.widths.membrane,
            count=tally is not None,
        )
        if tally is not None and trace.use is not None:
            tally.add_membrane(self.scales[index].name, trace.use)
        return trace

    # --- the pass ------------------------------------------------------------------------------
    def _encode(self, images: torch.Tensor) -> tuple[torch.Tensor, bool]:
        kind = self.encoder.kind
        if kind == "direct":
            return torch.round(images.clamp(0.0, 1.0) * float(self.input_levels)), True
        if kind == "rate":
            return rate_encode(images, self.noise.unsqueeze(1), self.encoder.gain), False
        return latency_encode(images, self.timesteps), False

    def _conv_block(
        self, i: int, x: torch.Tensor, static: bool, seen: _Telemetry, tally: SaturationTally | None
    ) -> torch.Tensor:
        """Conv block ``i`` on integer pixels [B, ...] (static) or spikes [T, B, ...]."""
        steps, weight, bias = self.timesteps, *self._weights(f"conv{i + 1}")
        pad = self.kernel // 2
        if static:
            # the normalisation is folded into the weights, so the border must be padded
            # with the (quantised) mean pixel, not 0, to stay the same convolution
            padded = F.pad(x, (pad, pad, pad, pad), value=float(self.pad_value))
            current = self._current(i, F.conv2d(padded, weight, bias), tally)
            spikes = self._neurons(i, current, tally, steps).spikes.float()
        else:
            fanout = getattr(self, f"fanout{i}")[0].expand(x.shape[2], -1, -1).reshape(-1)
            seen.sops.append(per_step_total(x, steps, fanout.numel(), fanout))
            seen.fanouts.append(1.0)
            current = self._current(i, F.conv2d(x.flatten(0, 1), weight, bias, padding=pad), tally)
            current = current.view(steps, -1, *current.shape[1:])
            spikes = self._neurons(i, current, tally).spikes.float()
        seen.layer_spikes.append(spikes)
        if self.pool_current:
            return spikes
        pooled = F.max_pool2d(spikes.flatten(0, 1), 2)
        return pooled.view(steps, -1, *pooled.shape[1:])

    def _fc_layer(
        self, i: int, x: torch.Tensor, static: bool, seen: _Telemetry, tally: SaturationTally | None
    ) -> torch.Tensor:
        """Hidden linear layer ``i`` on integer pixels [B, N] (static) or spikes [T, B, N]."""
        index = self.n_convs + i
        weight, bias = self._weights(f"fc{i + 1}")
        current = self._current(index, F.linear(x, weight, bias), tally)
        if static:
            spikes = self._neurons(index, current, tally, self.timesteps).spikes.float()
        else:
            seen.sops.append(per_step_total(x, self.timesteps, weight.shape[1]))
            seen.fanouts.append(weight.shape[0])
            spikes = self._neurons(index, current, tally).spikes.float()
        seen.layer_spikes.append(spikes)
        return spikes

    def run(self, images: torch.Tensor, tally: SaturationTally | None = None) -> tuple[Any, ...]:
        """The runtime's outputs for float images [B, 1, 28, 28]; ``tally`` counts clamps."""
        x, static = self._encode(images)
        input_spikes = None if static else x
        seen = _Telemetry()
        for i in range(self.n_convs):
            x, static = self._conv_block(i, x, static, seen, tally), False
        x = x.flatten(1) if static else x.flatten(2)
        for i in range(self.n_fcs):
            x, static = self._fc_layer(i, x, static, seen, tally), False
        return self._readout(x, seen, tally, input_spikes)

    def _readout(
        self,
        x: torch.Tensor,
        seen: _Telemetry,
        tally: SaturationTally | None,
        input_spikes: torch.Tensor | None,
    ) -> tuple[torch.Tensor, ...]:
        """Output neurons and every runtime output. The logits are the mean current the output
        neurons integrate per step (the T-step sum of saturated currents needs ⌈log₂ T⌉ more
        bits than the accumulator: it cannot overflow, so it is not clamped)."""
        steps, (weight, bias) = self.timesteps, self._weights("readout")
        seen.sops.append(per_step_total(x, steps, weight.shape[1]))
        seen.fanouts.append(weight.shape[0])
        current = self._current(len(self.lifs) - 1, F.linear(x, weight, bias), tally)
        unit = self.scales[-1].membrane_scale
        logits = (current.double().sum(0) * (unit / steps)).float()
        out_spikes, membrane, _ = self._neurons(len(self.lifs) - 1, current, tally)
        out_spikes = out_spikes.float()
        spikes = [*seen.layer_spikes, out_spikes]
        totals = [per_step_total(s, steps, s[0, 0].numel()) for s in spikes]
        hidden = seen.layer_spikes[-1].flatten(2)[:, :, self.hidden_idx]
        values = [
            logits,
            out_spikes.sum(0),
            (membrane * unit).float().transpose(0, 1),
            out_spikes.transpose(0, 1),
            torch.cat(totals, 2).sum(0),
            torch.cat(seen.sops, 2).sum(0) * logits.new_tensor(seen.fanouts),
            hidden.transpose(0, 1),
        ]
        if input_spikes is not None:
            values.append(input_spikes.flatten(2).transpose(0, 1))
        return tuple(values)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.run(images)

    def output_names(self) -> list[str]:
        names = list(REQUIRED_OUTPUTS)
        return names if self.encoder.kind == "direct" else [*names, "input_spikes"]

    def describe(self) -> dict[str, Any]:
        """The bit widths and quantisation constants, for the manifest."""
        direct = self.encoder.kind == "direct"
        return {
            "bit_widths": {
                "weight": WEIGHT_BITS,
                "input": self.input_bits if direct else 1,
                "accumulator": self.widths.accumulator,
                "membrane": self.widths.membrane,
                "decay_fraction": FRAC_BITS,
            },
            "saturation": "clamp to the signed range on every register write",
            "layers": [{**asdict(s), **self.lifs[i]._asdict()} for i, s in enumerate(self.scales)],
        }


def build_fixed_point(net: SpikingNet, widths: BitWidths | None = None) -> FixedPointNet:
    """The emulation with the most input bits (≤ 8) whose float32 currents stay exact."""
    if net.arch.residual:
        raise InvalidModel(
            "the fixed-point emulation is feed-forward; this model has residual blocks"
        )
    for bits in range(WEIGHT_BITS, 3, -1):
        fixed = FixedPointNet(net, bits, widths)
        if fixed.exact():
            return fixed.eval()
    raise InvalidModel("no input precision keeps this model's currents exact in float32")
