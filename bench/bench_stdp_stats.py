"""The pure arithmetic of ``bench_stdp_peers.py``: timed trials, their summary, ratios, order.

Kept free of torch and of any engine so that they can be tested on plain numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Trial:
    """One engine learning one block of digits: wall and CPU seconds, digits, spikes."""

    seconds: float
    cpu_seconds: float  # the engine's process, all its threads
    images: int
    spikes: float
    presented_again: int = 0  # digits shown again brighter for driving too few spikes

    @property
    def ms_per_image(self) -> float:
        return 1000.0 * self.seconds / self.images

    @property
    def cpu_ms_per_image(self) -> float:
        return 1000.0 * self.cpu_seconds / self.images


def summarise(samples: Sequence[float]) -> dict[str, float]:
    """Median and spread of per-round figures (quartiles by the inclusive method)."""
    if not samples:
        raise ValueError("no samples to summarise")
    ordered = sorted(samples)
    if len(ordered) > 1:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    median = statistics.median(ordered)
    return {
        "median": round(median, 3),
        "mean": round(statistics.fmean(ordered), 3),
        "min": round(ordered[0], 3),
        "max": round(ordered[-1], 3),
        "q1": round(q1, 3),
        "q3": round(q3, 3),
        "spread_pct": round(100.0 * (ordered[-1] - ordered[0]) / median, 1),
        "n": len(ordered),
    }


def paired_ratios(slower: Sequence[float], faster: Sequence[float]) -> dict[str, object]:
    """``slower / faster``: of the medians, and round by round (pairs run back to back)."""
    if len(slower) != len(faster) or not slower:
        raise ValueError("ratios need the same, non-zero number of rounds on both sides")
    by_round = [a / b for a, b in zip(slower, faster, strict=True)]
    return {
        "of_medians": round(statistics.median(slower) / statistics.median(faster), 3),
        "by_round": [round(r, 3) for r in by_round],
        "by_round_median": round(statistics.median(by_round), 3),
        "by_round_min": round(min(by_round), 3),
        "by_round_max": round(max(by_round), 3),
    }


def round_order(names: Sequence[str], index: int) -> list[str]:
    """The order of round ``index``: ``names`` rotated by ``index``, so none is always first."""
    if not names:
        return []
    shift = index % len(names)
    return [*names[shift:], *names[:shift]]
