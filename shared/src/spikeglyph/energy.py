"""Energy accounting from the ONNX outputs (torch-free).

Operation counts follow the convention of the SNN literature (e.g. SpikingJelly's op counter):

* a spiking layer's outgoing spikes cost one **accumulate** (AC) per synapse they reach:
  SOPs = Σ spikes × fan-out. The exported graph computes this exactly per synaptic layer
  (output ``layer_sops``; border effects of convolutions included);
* the first layer sees real-valued pixels, so it costs **multiply-accumulates** (MACs). With
  direct (analog) input the image is constant over the time steps and the graph computes that
  layer once, so its MACs are counted once;
* the equally sized non-spiking network (same layers, ReLU instead of LIF) costs its MACs once.

Energy per operation: Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm CMOS,
32-bit floating point: E_AC = 0.9 pJ, E_MAC = 4.6 pJ. Memory access is not included, which
favours neither network less than the other but makes both figures lower bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spikeglyph.schemas import EnergyEstimate

E_AC_PJ = 0.9
"""Energy of one 32-bit float accumulate at 45 nm, picojoules (Horowitz 2014)."""
E_MAC_PJ = 4.6
"""Energy of one 32-bit float multiply-accumulate at 45 nm, picojoules (Horowitz 2014)."""


def estimate(sops: float, macs: float, ann_macs: float) -> EnergyEstimate:
    """Energy of one inference with ``sops`` accumulates and ``macs`` multiply-accumulates."""
    snn_nj = (sops * E_AC_PJ + macs * E_MAC_PJ) / 1000.0
    ann_nj = ann_macs * E_MAC_PJ / 1000.0
    return EnergyEstimate(
        sops=float(sops),
        macs=float(macs),
        snn_nj=snn_nj,
        ann_macs=float(ann_macs),
        ann_nj=ann_nj,
        ratio=ann_nj / snn_nj if snn_nj > 0 else float("inf"),
        e_ac_pj=E_AC_PJ,
        e_mac_pj=E_MAC_PJ,
    )


def estimate_from_outputs(layer_sops: Any, energy_spec: Mapping[str, Any]) -> EnergyEstimate:
    """Energy of one sample from its ``layer_sops`` row and the manifest's ``energy`` block.

    ``energy_spec`` holds ``first_layer_macs`` and ``ann_macs`` (architecture constants the
    exporter computes).
    """
    sops = float(sum(float(v) for v in layer_sops))
    return estimate(
        sops, float(energy_spec.get("first_layer_macs", 0)), float(energy_spec["ann_macs"])
    )
