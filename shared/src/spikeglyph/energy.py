"""Energy accounting from the ONNX outputs (torch-free).

Operation counts follow the convention of the SNN literature (e.g. SpikingJelly's op counter):

* a spiking layer's outgoing spikes cost one **accumulate** (AC) per synapse they reach:
  SOPs = Σ spikes × fan-out. The exported graph computes this exactly per synaptic layer
  (output ``layer_sops``; border effects of convolutions included);
* the first layer sees real-valued pixels, so it costs **multiply-accumulates** (MACs). With
  direct (analog) input the image is constant over the time steps and the graph computes that
  layer once, so its MACs are counted once;
* the equally sized non-spiking network (same layers, ReLU instead of LIF) costs its MACs once.
  A convolution's MACs are its synapses (products with the zero padding are not counted), the
  same synapses a spike is charged for.

Energy per operation: Horowitz, "Computing's energy problem (and what we can do about it)",
ISSCC 2014, 45 nm CMOS, 32-bit floating point: E_AC = 0.9 pJ (add), E_MAC = 4.6 pJ
(multiply 3.7 pJ + add 0.9 pJ).

What the estimate leaves out: memory access (reading weights, reading and writing membrane
potentials), which dominates the energy of real chips; the neuron update itself (leak,
threshold, reset) at every time step; control. These favour the spiking network: it reads a
weight for every synaptic operation and updates every membrane at each of its T steps, costs
an operation count does not see. :func:`with_weight_reads` shows the size of the first of them.
Over many images report :func:`mean_estimate` (the ratio of the mean energies), never the mean
of per-image ratios, which small-energy images inflate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spikeglyph.schemas import EnergyEstimate

E_AC_PJ = 0.9
"""Energy of one 32-bit float accumulate at 45 nm, picojoules (Horowitz 2014)."""
E_MAC_PJ = 4.6
"""Energy of one 32-bit float multiply-accumulate at 45 nm, picojoules (Horowitz 2014)."""
WEIGHT_READ_PJ: dict[str, float] = {"sram": 5.0, "dram": 640.0}
"""Energy of reading one 32-bit word at 45 nm from an on-chip SRAM cache and from off-chip
DRAM, picojoules: Han et al., "Learning both weights and connections for efficient neural
networks", NIPS 2015, Fig. 1, after Horowitz 2014 (whose 0.9 pJ add and 3.7 pJ multiply
are in the same table)."""


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


def first_layer_macs(energy_spec: Mapping[str, Any]) -> float:
    """MACs of the analog first layer (0 when the input is spikes)."""
    return float(energy_spec.get("first_layer_macs", 0))


def estimate_from_outputs(
    layer_sops: Iterable[Any], energy_spec: Mapping[str, Any]
) -> EnergyEstimate:
    """Energy of one sample from its ``layer_sops`` row and the manifest's ``energy`` block.

    ``energy_spec`` holds ``first_layer_macs`` and ``ann_macs`` (architecture constants the
    exporter computes).
    """
    sops = math.fsum(float(v) for v in layer_sops)
    return estimate(sops, first_layer_macs(energy_spec), float(energy_spec["ann_macs"]))


def mean_estimate(
    sops_per_image: Sequence[float], energy_spec: Mapping[str, Any]
) -> EnergyEstimate:
    """Energy of the average inference over images with these SOP totals.

    Energy is linear in the SOPs, so this is the estimate at the mean SOPs and its ``ratio``
    is the ratio of the mean energies (mean ANN nJ / mean SNN nJ), the figure to report for a
    data set. The mean of per-image ratios is not: an image that needs few operations gets a
    huge ratio and pulls the mean up, though it saves next to nothing in joules.
    """
    if not sops_per_image:
        raise ValueError("the mean energy of no images is undefined")
    mean_sops = math.fsum(float(s) for s in sops_per_image) / len(sops_per_image)
    return estimate(mean_sops, first_layer_macs(energy_spec), float(energy_spec["ann_macs"]))


def with_weight_reads(base: EnergyEstimate, read_pj: float) -> dict[str, float]:
    """``base`` if every synaptic operation and every MAC also read its weight from memory at
    ``read_pj`` picojoules (e.g. :data:`WEIGHT_READ_PJ`), for both networks alike.

    A sensitivity figure, not a model of a chip, and still a kind one to the spiking network:
    dense hardware reuses a fetched weight for many MACs, while an event-driven chip fetches
    the weights of every spike's synapses, so a read per operation overcharges the dense
    network; and the spiking network's membrane reads and writes at every step stay out. As
    ``read_pj`` grows the ratio tends to ANN MACs / (SOPs + first-layer MACs).
    """
    snn_nj = (base.sops * (base.e_ac_pj + read_pj) + base.macs * (base.e_mac_pj + read_pj)) / 1e3
    ann_nj = base.ann_macs * (base.e_mac_pj + read_pj) / 1e3
    return {
        "read_pj": read_pj,
        "snn_nj": snn_nj,
        "ann_nj": ann_nj,
        "ratio": ann_nj / snn_nj if snn_nj > 0 else float("inf"),
    }
