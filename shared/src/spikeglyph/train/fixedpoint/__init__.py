"""Fixed-point copy of a surrogate-gradient model, computed as a neuromorphic chip would.

A float model directory becomes a new version (family ``fixedpoint``, parent = the float one)
whose ONNX graph computes only with bounded integers:

* **8-bit weights** (:mod:`.convert`): per layer, symmetric scale s_w = max|W| / 127,
  W_q = round(W / s_w); batch norm and the input normalisation are folded in first.
* **integer inputs**: the image quantised to ``input_bits`` (8: x_q = round(255·x)), the most
  (≤ 8) that keep the float32 carrier of every partial sum exact (< 2²⁴, checked at
  conversion); spikes are 0/1 anyway.
* **per-layer scale**: a layer's currents and membranes count in units of s_acc·2^k,
  s_acc = s_w·s_in, with the smallest shift k ≥ 0 that leaves its threshold at most
  2^(M−3) (:func:`.convert.membrane_shift`): an M-bit membrane then holds ±4…8 thresholds.
  (A chip's compiler does this with a per-layer weight exponent.)
* **saturating current register** of ``BitWidths.accumulator`` = A signed bits (default 9):
  I = sat_A(round((Σ W_q·x_q + b_q) / 2^k)), b_q = round(b / s_acc). The sum itself is exact
  (an adder with guard bits); the shifted result saturates when written to the register.
  Max-pooling of currents follows (it commutes with rounding and clamping).
* **saturating membranes** of ``BitWidths.membrane`` = M signed bits (default 10), for the
  membrane and the adaptive threshold; decays are 8-bit fractions β_q = round(β·2⁸); every
  update rounds (half to even) and saturates (:mod:`.kernels` has the equations). A layer
  whose threshold an M-bit register cannot exceed is refused: its neurons could never fire.
* **readout**: integrate-and-fire output neurons on the same registers; the logits are the
  mean of the T saturated readout currents (their sum needs only ⌈log₂ T⌉ more bits).

The default widths are the narrowest that cost the shipped models at most 0.1 point of
validation accuracy against an unbounded copy (:mod:`.sweep`; ``bench/bench_fixedpoint.py``
records the sweeps and the register ranges that justify them in ``docs/bench/fixedpoint.json``).

Saturation is computed identically by the torch emulation and the exported graph (ONNX ``Div``
by a power of two, ``Round`` and ``Clip`` on exact integers), so ONNX Runtime and torch agree
bit for bit; the copy is refused otherwise. Values are carried in float32 (currents) and
float64 (neuron state), which represent every integer involved exactly.

The manifest records the bit widths, per-layer integer constants and shifts, the accuracy of
both models on the parent's validation split *and* on the test split (every metric is named
for its split; the validation split also picked the parent's epoch and the default widths, so
the test delta is the unbiased one), and the fraction of register writes that saturated on
each split.
"""

from spikeglyph.train.fixedpoint.convert import (
    ACCUMULATOR_BITS,
    MEMBRANE_BITS,
    UNBOUNDED,
    WEIGHT_BITS,
    BitWidths,
)
from spikeglyph.train.fixedpoint.evaluate import (
    export_fixed_onnx,
    fixed_accuracy,
    fixed_parity,
    float_accuracy,
    parity_ok,
    score_split,
)
from spikeglyph.train.fixedpoint.kernels import FixedLIF, fixed_lif_sequence, saturate
from spikeglyph.train.fixedpoint.make import FAMILY, make_fixed_point
from spikeglyph.train.fixedpoint.network import FixedPointNet, build_fixed_point
from spikeglyph.train.fixedpoint.tally import SaturationTally

__all__ = [
    "ACCUMULATOR_BITS",
    "FAMILY",
    "MEMBRANE_BITS",
    "UNBOUNDED",
    "WEIGHT_BITS",
    "BitWidths",
    "FixedLIF",
    "FixedPointNet",
    "SaturationTally",
    "build_fixed_point",
    "export_fixed_onnx",
    "fixed_accuracy",
    "fixed_lif_sequence",
    "fixed_parity",
    "float_accuracy",
    "make_fixed_point",
    "parity_ok",
    "saturate",
    "score_split",
]
