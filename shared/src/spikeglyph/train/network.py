"""The spiking networks: a convolutional SNN (default) and a fully-connected SNN.

Both are built from an :class:`~spikeglyph.train.spec.ArchSpec`; modules own parameters and
call the pure dynamics in :mod:`spikeglyph.train.neurons`. ``forward`` returns a
:class:`NetOutputs` with the decision and, on request, everything the services show: output
membrane and raster, per-layer spike totals, synaptic operations per layer and a raster of a
fixed sample of hidden neurons. The same module, switched to the Heaviside spike function, is
what :mod:`spikeglyph.train.export` writes to ONNX.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from spikeglyph.encoding import MNIST_MEAN, MNIST_STD
from spikeglyph.train.encoders import fixed_noise, latency_encode, rate_encode
from spikeglyph.train.netpass import ForwardPass, NetOutputs
from spikeglyph.train.neurons import if_readout
from spikeglyph.train.opcount import conv_fanout as conv_fanout
from spikeglyph.train.opcount import per_step_total as per_step_total
from spikeglyph.train.plif import PLIF
from spikeglyph.train.residual import SEWBlock
from spikeglyph.train.spec import ArchSpec, EncoderSpec
from spikeglyph.train.surrogate import SpikeFn, heaviside, spike_fn


class SpikingNet(nn.Module):
    """conv: [conv → BN → PLIF → maxpool]×n (or [conv → BN → maxpool → PLIF]×n with
    ``arch.pool == "current"``), each block's spikes through ``arch.residual`` SEW blocks
    (:mod:`spikeglyph.train.residual`) before pooling → [linear → PLIF]×m → linear → IF readout.

    fc: [linear → PLIF]×m → linear → IF readout. The logits are the readout's mean input
    current per step; the readout neurons also spike, which is what the raster shows.
    """

    def __init__(self, arch: ArchSpec, encoder: EncoderSpec, timesteps: int) -> None:
        super().__init__()
        if timesteps < 1:
            raise ValueError("timesteps must be >= 1")
        self.arch, self.encoder, self.timesteps = arch, encoder, timesteps
        self.exporting = False
        self._train_spike = spike_fn(arch.neuron.surrogate, arch.neuron.surrogate_alpha)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        self.conv_lifs = nn.ModuleList()
        in_ch, size = 1, 28
        self._conv_sizes: list[int] = []
        self._conv_channels: list[tuple[int, int]] = []  # (in, out) as plain ints
        for ch in arch.channels if arch.kind == "conv" else ():
            self.convs.append(
                nn.Conv2d(
                    in_ch, ch, arch.kernel, padding=arch.kernel // 2, bias=not arch.batch_norm
                )
            )
            self.norms.append(nn.BatchNorm2d(ch) if arch.batch_norm else nn.Identity())
            self.conv_lifs.append(PLIF(arch.neuron))
            self._conv_sizes.append(size)
            self._conv_channels.append((in_ch, ch))
            in_ch, size = ch, size // 2
        self.residuals = nn.ModuleList(
            nn.ModuleList(SEWBlock(out, self._lif_size(i), arch) for _ in range(arch.residual))
            for i, (_, out) in enumerate(self._conv_channels)
        )
        flat = in_ch * size * size if arch.kind == "conv" else 28 * 28
        self._flat = flat
        self.fcs = nn.ModuleList()
        self.fc_lifs = nn.ModuleList()
        for width in arch.hidden:
            self.fcs.append(nn.Linear(flat, width))
            self.fc_lifs.append(PLIF(arch.neuron))
            flat = width
        self.readout = nn.Linear(flat, arch.classes)
        self.dropout = nn.Dropout(arch.dropout) if arch.dropout > 0 else nn.Identity()
        for i, conv in enumerate(self.convs):
            self.register_buffer(
                f"fanout{i}",
                conv_fanout(self._conv_sizes[i], arch.kernel, conv.out_channels),
                False,
            )
        if encoder.kind == "rate":
            self.register_buffer("noise", fixed_noise(encoder, timesteps))
        n_hidden = self.hidden_layer_size()
        sample = torch.randperm(n_hidden, generator=torch.Generator().manual_seed(0))
        self.register_buffer(
            "hidden_idx", sample[: min(arch.hidden_sample, n_hidden)].sort().values
        )

    # --- structure -----------------------------------------------------------------------------
    def _blocks(self, stage: int) -> list[SEWBlock]:
        return [block for block in self.residuals[stage] if isinstance(block, SEWBlock)]

    def _conv_names(self) -> list[str]:
        """Each conv block, then its residual blocks' two layers (``conv1_sew1a``, …)."""
        names = []
        for i, blocks in enumerate(self.residuals):
            names.append(f"conv{i + 1}")
            names += [f"conv{i + 1}_sew{j + 1}{ab}" for j in range(len(blocks)) for ab in "ab"]
        return names

    def spiking_layer_names(self) -> list[str]:
        return [*self._conv_names(), *(f"fc{i + 1}" for i in range(len(self.fcs))), "output"]

    def synaptic_layer_names(self) -> list[str]:
        """Layers whose inputs are spikes (the first layer only with a spike encoder)."""
        names = [*self._conv_names(), *(f"fc{i + 1}" for i in range(len(self.fcs))), "readout"]
        return names if self.encoder.kind != "direct" else names[1:]

    def neuron_counts(self) -> dict[str, int]:
        counts = {}
        for i, conv in enumerate(self.convs):
            counts[f"conv{i + 1}"] = conv.out_channels * self._lif_size(i) ** 2
            for j, block in enumerate(self._blocks(i)):
                counts.update({f"conv{i + 1}_sew{j + 1}{ab}": block.neurons() for ab in "ab"})
        for i, fc in enumerate(self.fcs):
            counts[f"fc{i + 1}"] = fc.out_features
        counts["output"] = self.arch.classes
        return counts

    def _lif_size(self, index: int) -> int:
        """Side of conv block ``index``'s neuron maps: its input's, or half with current pooling."""
        size = self._conv_sizes[index]
        return size // 2 if self.arch.pool == "current" else size

    def hidden_layer_name(self) -> str:
        return self.spiking_layer_names()[-2]

    def hidden_layer_size(self) -> int:
        return self.neuron_counts()[self.hidden_layer_name()]

    def op_counts(self) -> dict[str, Any]:
        """MACs of every layer for one pass (the non-spiking equivalent) and of the first.

        A convolution's MACs are its synapses: products with the zero padding are not counted,
        exactly as a spike at the border is charged only the synapses it reaches
        (:func:`conv_fanout`). Counting the padding for the non-spiking network alone would
        inflate its energy (by 6 % for the shipped models) and so the ratio.
        """
        macs = []
        for i, conv in enumerate(self.convs):
            synapses_per_channel_pair = conv_fanout(self._conv_sizes[i], self.arch.kernel, 1)
            pairs = conv.out_channels * conv.in_channels
            macs.append(int(synapses_per_channel_pair.sum().item()) * pairs)
            macs += [block.synapses_per_pass() for block in self._blocks(i) for _ in "ab"]
        macs += [fc.in_features * fc.out_features for fc in self.fcs]
        macs.append(self.readout.in_features * self.readout.out_features)
        first = macs[0] if self.encoder.kind == "direct" else 0
        return {"first_layer_macs": first, "ann_macs": sum(macs), "layer_macs": macs}

    # --- forward -------------------------------------------------------------------------------
    def spike(self) -> SpikeFn:
        return heaviside if self.exporting else self._train_spike

    def _encode(self, images: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """(input, is_static): a static current [B,1,28,28] or spikes [T,B,1,28,28]."""
        kind = self.encoder.kind
        if kind == "direct":
            return (images - MNIST_MEAN) / MNIST_STD, True
        if kind == "rate":
            if self.training:
                noise = torch.rand((self.timesteps, *images.shape), device=images.device)
            else:
                noise = self.noise.unsqueeze(1)
            return rate_encode(images, noise, self.encoder.gain), False
        return latency_encode(images, self.timesteps), False

    def forward(
        self,
        images: torch.Tensor,
        telemetry: bool = False,
        taps: list[torch.Tensor] | None = None,
    ) -> NetOutputs:
        """Run the T steps. ``taps``, when given, receives each hidden layer's spike tensor
        ``[T, B, units, ...]`` (structural plasticity measures saliency on them)."""
        x, static = self._encode(images)  # static [B,1,28,28] or spikes [T,B,1,28,28]
        current, run = self.propagate(x, static=static, telemetry=telemetry)
        if taps is not None:
            taps.extend(run.spikes)
        if not telemetry:
            return NetOutputs(logits=current.mean(0), rates=[s.mean() for s in run.spikes])
        return self._with_telemetry(current, run)

    def propagate(
        self,
        x: torch.Tensor,
        *,
        static: bool,
        telemetry: bool = False,
        threshold_scale: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ForwardPass]:
        """The readout current ``[T, B, C]`` for an encoded input (a static current
        ``[B,1,28,28]`` or a drive per step ``[T,B,1,28,28]``) and what the pass gathered.

        ``threshold_scale`` ``[B]`` multiplies every hidden neuron's threshold per sample (the
        what-if graph's knob); the readout's is the caller's to scale.
        """
        # Every reshape below names its sizes as Python ints (batch as -1), so the exported
        # graph holds constant shapes instead of Shape/Gather/Concat chains.
        run = ForwardPass(self.spike(), static, telemetry, None if static else x, threshold_scale)
        x = self._conv_layers(x, run)
        x = x.reshape(-1, 28 * 28) if run.static else x.reshape(self.timesteps, -1, self._flat)
        x = self._fc_layers(x, run)
        if telemetry:
            run.count_sops(x, self.timesteps, self.readout.in_features, self.readout.out_features)
        return self.readout(x), run

    def _conv_layers(self, x: torch.Tensor, run: ForwardPass) -> torch.Tensor:
        t_steps, pool_current = self.timesteps, self.arch.pool == "current"
        for i, (conv, norm, lif) in enumerate(
            zip(self.convs, self.norms, self.conv_lifs, strict=True)
        ):
            size, (in_channels, channels) = self._conv_sizes[i], self._conv_channels[i]
            side = self._lif_size(i)
            if run.static:
                cur = norm(conv(x))
                pooled = F.max_pool2d(cur, 2) if pool_current else cur
                trace = lif(pooled, run.spike, steps=t_steps, scale=run.threshold_scale)
                run.static = False
            else:
                if run.telemetry:
                    fanout = getattr(self, f"fanout{i}")[0].expand(in_channels, -1, -1)
                    units = in_channels * size * size
                    run.sops.append(per_step_total(x, t_steps, units, fanout.reshape(-1)))
                    run.fanouts.append(1.0)
                cur = norm(conv(x if i else x.reshape(-1, in_channels, size, size)))
                if pool_current:
                    cur = F.max_pool2d(cur, 2)
                trace = lif(
                    cur.reshape(t_steps, -1, channels, side, side),
                    run.spike,
                    scale=run.threshold_scale,
                )
            run.spikes.append(trace.spikes)
            # Spikes stay [T·B, C, H, W] from one convolution to the next, so ONNX Runtime
            # keeps them in its blocked layout instead of converting back and forth.
            x = trace.spikes.reshape(-1, channels, side, side)
            for block in self._blocks(i):
                out = block(x, run.spike, t_steps, run.telemetry)
                run.spikes += out.spikes
                run.sops += out.sops
                run.fanouts += [1.0] * len(out.sops)
                x = out.out
            if not pool_current:
                x = F.max_pool2d(x, 2)
        return x

    def _fc_layers(self, x: torch.Tensor, run: ForwardPass) -> torch.Tensor:
        for fc, lif in zip(self.fcs, self.fc_lifs, strict=True):
            if run.static:
                trace = lif(fc(x), run.spike, steps=self.timesteps, scale=run.threshold_scale)
                run.static = False
            else:
                if run.telemetry:
                    run.count_sops(x, self.timesteps, fc.in_features, fc.out_features)
                trace = lif(fc(x), run.spike, scale=run.threshold_scale)
            run.spikes.append(trace.spikes)
            x = self.dropout(trace.spikes)
        return x

    def _with_telemetry(self, current: torch.Tensor, run: ForwardPass) -> NetOutputs:
        """Every output the served graph has: spikes and SOPs per layer, rasters, membranes."""
        t_steps, logits = self.timesteps, current.mean(0)
        readout = if_readout(current, self.arch.neuron.threshold, run.spike)
        assert readout.membrane is not None
        counts = list(self.neuron_counts().values())  # every spiking layer, output last
        layer_spikes = [
            per_step_total(s, t_steps, n)
            for s, n in zip([*run.spikes, readout.spikes], counts, strict=True)
        ]
        last = run.spikes[-1].reshape(t_steps, -1, self.hidden_layer_size())
        hidden = last[:, :, self.hidden_idx]
        inputs = run.input_spikes
        return NetOutputs(
            logits=logits,
            rates=[s.mean() for s in run.spikes],
            spike_counts=readout.spikes.sum(0),
            membrane=readout.membrane.transpose(0, 1),
            output_spikes=readout.spikes.transpose(0, 1),
            layer_spikes=torch.cat(layer_spikes, 2).sum(0),
            layer_sops=torch.cat(run.sops, 2).sum(0) * logits.new_tensor(run.fanouts),
            hidden_spikes=hidden.transpose(0, 1),
            input_spikes=None
            if inputs is None
            else inputs.reshape(t_steps, -1, 28 * 28).transpose(0, 1),
        )
