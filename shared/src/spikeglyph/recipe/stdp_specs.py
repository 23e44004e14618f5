"""The STDP network's specification: sizes, neuron constants and the learning rule.

Units follow Diehl & Cook (2015) as BindsNET implements them with current-based synapses:
one time step is ``dt`` = 1 ms, membrane potentials are in mV relative to rest (-65 mV), so
the threshold -52 mV is 13, the reset -60 mV is 5. Defaults are theirs except where noted.
Torch-free, like every part of a recipe.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

StdpGrowthName = Literal["off", "errors"]


@dataclass(frozen=True)
class StdpRule:
    """Pair-based (``pair``) or triplet (``triplet``, Pfister & Gerstner 2006) STDP.

    pair: at a postsynaptic spike Δw = +nu_post·x_pre; at a presynaptic spike
    Δw = −nu_pre·x_post. triplet adds the slow post trace y to potentiation,
    Δw = +x_pre·(a2_plus + a3_plus·y), and the slow pre trace to depression,
    Δw = −x_post·(a2_minus + a3_minus·r2) ("minimal" model: a3_minus = 0).
    """

    kind: Literal["pair", "triplet"] = "pair"
    nu_pre: float = 1e-4
    nu_post: float = 1e-2
    tau_pre: float = 20.0
    tau_post: float = 20.0
    a2_plus: float = 5e-3
    a3_plus: float = 6e-3
    a2_minus: float = 1e-4
    a3_minus: float = 0.0
    tau_x: float = 101.0
    tau_y: float = 125.0
    additive_traces: bool = False  # False: a spike sets its trace to 1 (nearest-spike)
    w_max: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("pair", "triplet"):
            raise ValueError(f"unknown STDP rule {self.kind!r}; choose pair or triplet")


@dataclass(frozen=True)
class StdpSpec:
    """A Diehl & Cook network: 784 Poisson inputs → ``neurons`` excitatory LIF neurons, each
    paired one-to-one with an inhibitory neuron that inhibits every other excitatory one."""

    neurons: int = 400
    timesteps: int = 100
    max_rate_hz: float = 128.0  # a white pixel fires at this rate (BindsNET "intensity")
    dt_ms: float = 1.0
    v_thresh: float = 13.0
    v_reset: float = 5.0
    tau_mem: float = 100.0
    refractory: int = 5
    theta_plus: float = 0.05
    inhibition: float = 100.0  # mV per other excitatory spike (exc → inh → exc); BindsNET 17.5
    weight_norm: float = 78.4  # every neuron's incoming weights sum to this
    init_scale: float = 0.3
    min_spikes: int = 5  # fewer spikes than this: present again with a higher rate
    boost_hz: float = 32.0
    max_boosts: int = 3
    noise_seed: int = 0  # the fixed noise table of deterministic (served) encoding
    rule: StdpRule = StdpRule()

    def __post_init__(self) -> None:
        if self.neurons < 1 or self.timesteps < 1:
            raise ValueError("neurons and timesteps must be positive")
        if not 0.0 < self.max_rate_hz * self.dt_ms / 1000.0 <= 1.0:
            raise ValueError("max_rate_hz · dt_ms must give a spike probability in (0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StdpSpec:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["rule"] = StdpRule(**data.get("rule", {}))
        return cls(**values)

    def probability(self, rate_hz: float) -> float:
        """Spike probability per step of a white pixel at ``rate_hz``."""
        return min(1.0, rate_hz * self.dt_ms / 1000.0)


@dataclass(frozen=True)
class StdpGrowth:
    """Error-driven growth while the network learns (``spikeglyph.train.stdp.growth``).

    ``off``: the network has ``spec.neurons`` from the start. ``errors``: it starts with
    ``start_neurons`` and learns in windows of ``window`` images, each answered before it is
    learnt; after answering, neurons that won no image for ``prune_after`` windows are pruned
    (never below ``min_neurons``) and every class whose window error rate exceeds
    ``error_threshold`` recruits up to ``recruit`` neurons started from its misclassified
    images, up to ``spec.neurons``. The labels only name neurons and measure errors; STDP
    learns without them. The constants are those measured in docs/RESEARCH.md.
    """

    kind: StdpGrowthName = "off"
    start_neurons: int = 10
    window: int = 500
    error_threshold: float = 0.2
    recruit: int = 3
    prune_after: int = 3
    min_neurons: int = 10

    def __post_init__(self) -> None:
        if self.kind not in ("off", "errors"):
            raise ValueError(f"unknown STDP growth {self.kind!r}; choose off or errors")
        counts = ("start_neurons", "window", "recruit", "prune_after", "min_neurons")
        if small := [name for name in counts if getattr(self, name) < 1]:
            raise ValueError(f"{', '.join(small)} must be at least 1")
        if not 0.0 <= self.error_threshold < 1.0:
            raise ValueError("error_threshold must be in [0, 1)")
        if self.min_neurons > self.start_neurons:
            raise ValueError(
                f"start_neurons ({self.start_neurons}) is below min_neurons "
                f"({self.min_neurons}), the fewest neurons pruning leaves"
            )
