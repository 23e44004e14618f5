"""What-if answers from ONNX Runtime (torch-free): a version's what-if graph and its knobs.

The what-if graph (``model.whatif.onnx``, written by :mod:`spikeglyph.train.whatif_export`)
is the served network with the knobs as inputs:

inputs
    ``drive`` float32 ``[B, T_max, 1, 28, 28]``: the input of every step, built in NumPy by
    :func:`spikeglyph.encoding.drive` (the encoder is a knob); ``threshold_scale`` float32
    ``[B]``: multiplies every neuron's threshold, per sample.
outputs, per step (``[B, T_max, …]``)
    ``current`` (the readout's input current: the logits are its mean over the steps run),
    ``membrane``, ``output_spikes``, ``layer_spikes`` (every spiking layer), ``layer_sops``
    (every synaptic layer, the first included), ``hidden_spikes``.

A spiking network is causal: step t depends on steps ≤ t only, so the first T of the T_max
steps are exactly a T-step run, and the runner answers any T ≤ T_max from one graph by summing
the first T steps. The baseline (the model's own settings) and the knobs' answer run as one
batch of two.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from spikeglyph.encoding import drive
from spikeglyph.errors import ChecksumMismatch, InvalidRequest, WhatIfUnavailable
from spikeglyph.modeldir import WHATIF_ONNX_NAME, Manifest, sha256_file
from spikeglyph.runtime import BatchOutputs, build_prediction, select_providers
from spikeglyph.schemas import LatencyMs, Prediction
from spikeglyph.whatif import ResolvedKnobs, WhatIfAnswer, WhatIfKnobs, resolve
from spikeglyph.whatif_image import perturb

OUTPUTS = ("current", "membrane", "output_spikes", "layer_spikes", "layer_sops", "hidden_spikes")


class WhatIfRunner:
    """The what-if graph of one verified version, loaded on first use (it costs nothing to a
    service that never answers a what-if request)."""

    def __init__(
        self,
        model_dir: Path,
        manifest: Manifest,
        *,
        device: str = "auto",
        intra_op_threads: int | None = None,
    ) -> None:
        variant = manifest.variants.get("whatif")
        if not isinstance(variant, dict) or WHATIF_ONNX_NAME not in manifest.files:
            raise WhatIfUnavailable(
                f"{manifest.version} ({manifest.family}) has no what-if graph; "
                "`spikeglyph export --model DIR --whatif` adds one"
            )
        path = Path(model_dir) / WHATIF_ONNX_NAME
        if not path.is_file() or sha256_file(path) != manifest.files[WHATIF_ONNX_NAME]:
            raise ChecksumMismatch(f"{manifest.version}: {WHATIF_ONNX_NAME} fails its sha256")
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=select_providers(device)
        )
        self.manifest = manifest
        self.max_timesteps = int(variant["max_timesteps"])

    def answer(self, image: np.ndarray, knobs: WhatIfKnobs) -> WhatIfAnswer:
        """The baseline and the knobs' answer for one preprocessed 28×28 image."""
        base, turned = self.resolve(WhatIfKnobs()), self.resolve(knobs)
        baseline, whatif = self.run([(image, base), (image, turned)])
        return WhatIfAnswer(baseline=baseline, whatif=whatif, baseline_knobs=base, knobs=turned)

    def resolve(self, knobs: WhatIfKnobs) -> ResolvedKnobs:
        """The knobs with the model's own settings filled in, checked against this graph."""
        resolved = resolve(knobs, self.manifest.encoder, self.manifest.timesteps)
        if resolved.timesteps > self.max_timesteps:
            raise InvalidRequest(
                f"timesteps must be between 1 and {self.max_timesteps} for this model"
            )
        return resolved

    def run(self, items: Sequence[tuple[np.ndarray, ResolvedKnobs]]) -> list[Prediction]:
        """Answer each (28×28 image, knobs) pair; all of them run as one batch."""
        started = time.perf_counter()
        gain = float(self.manifest.encoder.get("gain", 1.0))
        seen = [perturb(image, knobs) for image, knobs in items]
        drives = np.stack(
            [
                drive(
                    x,
                    k.encoder,
                    steps=k.timesteps,
                    length=self.max_timesteps,
                    seed=k.seed,
                    gain=gain,
                )
                for x, (_, k) in zip(seen, items, strict=True)
            ]
        )
        scales = np.array([k.threshold_scale for _, k in items], dtype=np.float32)
        values = self.session.run(list(OUTPUTS), {"drive": drives, "threshold_scale": scales})
        out = dict(zip(OUTPUTS, values, strict=True))
        compute = _ms(time.perf_counter() - started)
        latency = LatencyMs(compute=compute, total=compute)
        return [
            self._prediction(out, i, knobs, seen[i], drives[i], latency)
            for i, (_, knobs) in enumerate(items)
        ]

    def _prediction(
        self,
        out: dict[str, np.ndarray],
        index: int,
        knobs: ResolvedKnobs,
        image: np.ndarray,
        step_input: np.ndarray,
        latency: LatencyMs,
    ) -> Prediction:
        """Sample ``index`` as a :class:`Prediction` of a ``knobs.timesteps``-step run."""
        t = knobs.timesteps
        direct = knobs.encoder == "direct"
        sops = out["layer_sops"][index : index + 1, :t].sum(1)
        outputs = BatchOutputs(
            logits=out["current"][index : index + 1, :t].mean(1),
            spike_counts=out["output_spikes"][index : index + 1, :t].sum(1),
            membrane=out["membrane"][index : index + 1, :t],
            output_spikes=out["output_spikes"][index : index + 1, :t],
            layer_spikes=out["layer_spikes"][index : index + 1, :t].sum(1),
            # With analog input the first layer multiplies (MACs, once); spikes accumulate.
            layer_sops=sops[:, 1:] if direct else sops,
            hidden_spikes=out["hidden_spikes"][index : index + 1, :t],
            input_spikes=None if direct else step_input[:t].reshape(1, t, 28 * 28),
        )
        manifest = self.manifest.model_copy(
            update={
                "timesteps": t,
                "threshold": self.manifest.threshold * knobs.threshold_scale,
                "energy": _energy_spec(self.manifest.energy, direct),
            }
        )
        return build_prediction(manifest, outputs, 0, latency, image=image)


def _energy_spec(spec: dict[str, Any], direct: bool) -> dict[str, Any]:
    """The manifest's energy block for the what-if encoder: the analog first layer's MACs with
    direct input, none with spikes (whatever the model was trained with)."""
    layer_macs = spec.get("layer_macs") or [0]
    return {**spec, "first_layer_macs": layer_macs[0] if direct else 0}


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)
