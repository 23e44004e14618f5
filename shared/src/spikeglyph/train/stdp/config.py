"""One JSON-able record of everything that shaped an STDP model (stored in its manifest)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from spikeglyph.train.stdp.spec import StdpSpec


@dataclass(frozen=True)
class StdpTrainConfig:
    dataset: str = "mnist"
    spec: StdpSpec = field(default_factory=StdpSpec)
    epochs: int = 1
    batch_size: int = 16
    max_samples: int | None = None
    seed: int = 0
    assign_samples: int = 10000  # training images whose responses label the neurons
    val_size: int = 5000
    checkpoint_every: int = 100  # batches

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.assign_samples < 10:
            raise ValueError("epochs, batch_size must be positive and assign_samples >= 10")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StdpTrainConfig:
        values = dict(data)
        values["spec"] = StdpSpec.from_dict(values.get("spec", {}))
        return cls(**values)

    def fingerprint(self) -> str:
        """Identifies the run a checkpoint belongs to (resume refuses a different config)."""
        data = self.to_dict()
        data.pop("checkpoint_every")
        blob = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
