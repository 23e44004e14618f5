"""Counting how a fixed-point pass used its registers: clamps and peak values per layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spikeglyph.train.fixedpoint.kernels import RegisterUse


def bits_to_hold(peak: int) -> int:
    """The narrowest signed register that holds ±``peak``."""
    return max(peak.bit_length() + 1, 2)


@dataclass
class SaturationTally:
    """Register use per layer, summed over batches: synaptic currents and neuron-steps."""

    current: dict[str, RegisterUse] = field(default_factory=dict)
    membrane: dict[str, RegisterUse] = field(default_factory=dict)

    @staticmethod
    def _add(table: dict[str, RegisterUse], name: str, use: RegisterUse) -> None:
        old = table.get(name, RegisterUse(0, 0, 0))
        table[name] = RegisterUse(
            old.clamped + use.clamped, old.writes + use.writes, max(old.peak, use.peak)
        )

    def add_current(self, name: str, use: RegisterUse) -> None:
        self._add(self.current, name, use)

    def add_membrane(self, name: str, use: RegisterUse) -> None:
        self._add(self.membrane, name, use)

    def summary(self) -> dict[str, Any]:
        """Fractions of writes clamped (over all layers, and per layer) and, per layer, the
        largest |value| written and the signed bits that would hold it."""

        def fraction(uses: list[RegisterUse]) -> float:
            writes = sum(u.writes for u in uses)
            return sum(u.clamped for u in uses) / writes if writes else 0.0

        def layer(name: str) -> dict[str, Any]:
            current, membrane = self.current[name], self.membrane[name]
            return {
                "current_fraction": fraction([current]),
                "membrane_fraction": fraction([membrane]),
                "current_peak": current.peak,
                "current_bits_to_hold": bits_to_hold(current.peak),
                "membrane_peak": membrane.peak,
                "membrane_bits_to_hold": bits_to_hold(membrane.peak),
            }

        return {
            "current_fraction": fraction(list(self.current.values())),
            "membrane_fraction": fraction(list(self.membrane.values())),
            "layers": {name: layer(name) for name in self.current},
        }
