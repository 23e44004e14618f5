"""JSON-able specs of a network and of its training augmentation (torch-free).

A spec fully describes a network's shape, so a model directory can rebuild its network from
``manifest.architecture`` and structural plasticity can grow or prune neurons by editing the
per-layer widths (``channels`` / ``hidden``) and copying the surviving weights. They live here,
outside the training extra, because a recipe is made of them and the gateway and the CLI read
recipes without torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DatasetName = Literal["mnist", "fashion-mnist"]
EncoderName = Literal["direct", "rate", "latency"]
ArchName = Literal["conv", "fc", "stdp"]
MAX_RESIDUAL = 4
SURROGATES = ("atan", "fast_sigmoid", "sigmoid", "triangular", "straight_through")


@dataclass(frozen=True)
class NeuronSpec:
    """Leaky integrate-and-fire neurons of the hidden layers.

    ``tau_init`` sets the initial membrane time constant; with ``learn_decay`` the decay
    β = sigmoid(w) is learned per layer (PLIF, Fang et al. ICCV 2021). ``adaptive`` adds a
    spike-triggered threshold that relaxes with decay ``adapt_decay`` (ALIF).
    """

    threshold: float = 1.0
    tau_init: float = 2.0
    learn_decay: bool = True
    reset: Literal["subtract", "zero"] = "subtract"
    surrogate: str = "atan"
    surrogate_alpha: float = 2.0
    adaptive: bool = False
    adapt_decay: float = 0.9
    adapt_strength: float = 0.2

    def __post_init__(self) -> None:
        if self.surrogate not in SURROGATES:
            raise ValueError(f"unknown surrogate {self.surrogate!r}; choose from {SURROGATES}")
        if self.tau_init <= 1.0:
            raise ValueError("tau_init must be > 1 (β = 1 - 1/τ)")


@dataclass(frozen=True)
class EncoderSpec:
    """How a 28×28 image becomes input over T steps: direct current, rate or latency spikes."""

    kind: EncoderName = "direct"
    seed: int = 0
    gain: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("direct", "rate", "latency"):
            raise ValueError(f"unknown encoder {self.kind!r}; choose direct, rate or latency")


@dataclass(frozen=True)
class ArchSpec:
    """A convolutional (``conv``) or fully-connected (``fc``) spiking network.

    conv: for each entry of ``channels`` a block conv(k×k, same padding) → BN → LIF → maxpool 2
    (``pool="spikes"``) or conv → BN → maxpool 2 → LIF (``pool="current"``: the neurons see
    the pooled input current, so each block has a quarter of the neurons and the first block's
    neurons run on 14×14 maps); then the ``hidden`` fully-connected LIF layers; then the readout
    to ``classes``. A spec without ``pool`` (models written before it existed) pools spikes,
    which is why the field defaults here are not the recipe's (see :func:`default_arch`).
    ``residual`` adds that many spike-element-wise residual blocks after each conv block
    (SEW-ResNet, Fang et al. NeurIPS 2021): conv → BN → LIF → conv → BN → LIF on the block's
    spikes S, added to S (``ADD``), so the identity is easy to learn however deep the stack.
    fc: the ``hidden`` fully-connected LIF layers on the flattened 28×28 input, then the readout.
    """

    kind: Literal["conv", "fc"] = "conv"
    channels: tuple[int, ...] = (32, 64)
    kernel: int = 3
    hidden: tuple[int, ...] = ()
    batch_norm: bool = True
    dropout: float = 0.0
    classes: int = 10
    neuron: NeuronSpec = field(default_factory=NeuronSpec)
    hidden_sample: int = 32
    pool: Literal["spikes", "current"] = "spikes"
    residual: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("conv", "fc"):
            raise ValueError(f"unknown architecture {self.kind!r}; choose conv or fc")
        if self.kind == "conv" and not self.channels:
            raise ValueError("a conv network needs at least one conv block")
        if self.kind == "fc" and not self.hidden:
            raise ValueError("an fc network needs at least one hidden layer")
        if any(w < 1 for w in (*self.channels, *self.hidden)):
            raise ValueError("layer widths must be positive")
        if self.pool not in ("spikes", "current"):
            raise ValueError(f"unknown pool {self.pool!r}; choose spikes or current")
        if self.kind == "conv" and len(self.channels) > 3:
            raise ValueError("at most 3 conv blocks fit a 28×28 input")
        if not 0 <= self.residual <= MAX_RESIDUAL or (self.residual and self.kind != "conv"):
            raise ValueError(f"residual takes 0 to {MAX_RESIDUAL} blocks, in conv networks only")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["channels"] = list(self.channels)
        data["hidden"] = list(self.hidden)
        if not self.residual:
            del data["residual"]  # so the records of feed-forward models read as they always did
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchSpec:
        values = dict(data)
        values["neuron"] = NeuronSpec(**values.get("neuron", {}))
        values["channels"] = tuple(values.get("channels", ()))
        values["hidden"] = tuple(values.get("hidden", ()))
        return cls(**values)

    def with_widths(self, channels: tuple[int, ...], hidden: tuple[int, ...]) -> ArchSpec:
        return ArchSpec(**{**self.__dict__, "channels": tuple(channels), "hidden": tuple(hidden)})


def default_arch(kind: str = "conv") -> ArchSpec:
    """The recipe's architectures (conv: that of the shipped models in ``models/``)."""
    if kind == "fc":
        return ArchSpec(kind="fc", channels=(), hidden=(512,))
    return ArchSpec(kind="conv", channels=(16, 32), hidden=(256,), pool="current")


@dataclass(frozen=True)
class AugmentSpec:
    """Random training transforms: affine (rotation, scale, shear, shift), stroke thickness
    (grey dilation or erosion) and mirror images. The field defaults are the digits' recipe;
    garments have their own (:func:`spikeglyph.recipe.default_augment`)."""

    rotate_deg: float = 12.0
    scale: float = 0.12
    shear: float = 0.15
    shift_px: float = 2.5
    thicken_p: float = 0.25
    thin_p: float = 0.15
    hflip_p: float = 0.0
    whole_pixels: bool = False  # whole-pixel shifts, nearest sampling: no interpolation blur
    enabled: bool = True


CurriculumName = Literal["off", "teacher"]
PacingName = Literal["linear", "root"]


@dataclass(frozen=True)
class CurriculumSpec:
    """The order of the training images (:mod:`spikeglyph.train.curriculum`).

    ``off``: a fresh random order every epoch. ``teacher``: images ranked easy to hard by the
    margin of a small teacher (softmax regression on the pixels, cross-fitted on two halves of
    the training images so no image is scored by a teacher that saw it); at optimiser step t
    of T each batch is drawn from the easiest fraction c(t) of them, c growing from ``start``
    to 1 at t = ``ramp``·T, linearly or as a square root (Platanios et al., NAACL 2019).
    """

    kind: CurriculumName = "off"
    start: float = 0.2
    ramp: float = 0.5
    pacing: PacingName = "root"

    def __post_init__(self) -> None:
        if self.kind not in ("off", "teacher"):
            raise ValueError(f"unknown curriculum {self.kind!r}; choose off or teacher")
        if self.pacing not in ("linear", "root"):
            raise ValueError(f"unknown pacing {self.pacing!r}; choose linear or root")
        if not (0.0 < self.start <= 1.0 and 0.0 < self.ramp <= 1.0):
            raise ValueError("curriculum start and ramp must be in (0, 1]")
