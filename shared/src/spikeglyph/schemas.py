"""Typed edges: every request, response, job parameter and Redis message is one of these.

The gateway, the inference service, the trainer and the Python client all use these models, so
the OpenAPI documents are generated from one source and a client can trust the shapes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field

# Defined next to what needs them, re-exported here: every edge type is importable from here.
from spikeglyph.job_params import EvaluateParams as EvaluateParams
from spikeglyph.job_params import FinetuneParams as FinetuneParams
from spikeglyph.job_params import NeurogenesisParams as NeurogenesisParams
from spikeglyph.job_params import TrainParams as TrainParams
from spikeglyph.recipe.specs import ArchName as ArchName
from spikeglyph.recipe.specs import DatasetName as DatasetName
from spikeglyph.recipe.specs import EncoderName as EncoderName
from spikeglyph.schema_base import VERSION_RE as VERSION_RE
from spikeglyph.schema_base import Schema as Schema
from spikeglyph.schema_base import VersionName as VersionName
from spikeglyph.schema_base import is_safe_version as is_safe_version
from spikeglyph.schema_base import utcnow as utcnow

MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
FASHION_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CLASS_NAMES: dict[str, tuple[str, ...]] = {"mnist": MNIST_CLASSES, "fashion-mnist": FASHION_CLASSES}


# --- errors -----------------------------------------------------------------------------------
class ErrorDetail(Schema):
    code: str = Field(examples=["unsupported_media_type"])
    message: str = Field(examples=["Expected an image (PNG, JPEG, WebP, GIF, BMP)."])
    request_id: str | None = None


class ErrorBody(Schema):
    """The uniform error body of every SpikeGlyph HTTP API."""

    error: ErrorDetail


# --- predictions ------------------------------------------------------------------------------
class LatencyMs(Schema):
    """Where the time of one prediction went, in milliseconds."""

    queue: float = 0.0
    preprocess: float = 0.0
    compute: float = 0.0
    gateway: float | None = None
    total: float


class LayerSpikes(Schema):
    name: str = Field(examples=["conv2"])
    neurons: int
    spikes: int = Field(description="Spikes emitted by the whole layer over all time steps.")
    rate: float = Field(description="Mean spikes per neuron per time step (0..1).")


class SpikeTelemetry(Schema):
    """What the network did while it decided: enough for the frontend to draw it."""

    timesteps: int
    threshold: float = Field(description="Firing threshold of the output neurons.")
    layers: list[LayerSpikes]
    output_raster: list[list[int]] = Field(
        description="[T][classes] 0/1 spikes of the output layer."
    )
    output_membrane: list[list[float]] = Field(
        description="[T][classes] output membrane potential."
    )
    hidden_layer: str | None = Field(default=None, description="Layer the hidden sample is from.")
    hidden_neurons: list[int] = Field(default_factory=list, description="Indices sampled.")
    hidden_raster: list[list[int]] = Field(default_factory=list, description="[T][sampled] spikes.")
    input_raster: list[list[int]] | None = Field(
        default=None, description="[T][784] input spikes for spike encoders; null for direct input."
    )


ENERGY_NOTE = (
    "45 nm operation count (Horowitz, ISSCC 2014) without memory access, which dominates real "
    "chips: that favours the spiking network, which reads weights and updates every membrane "
    "at each time step."
)


class EnergyEstimate(Schema):
    """Energy of one inference counted in operations, with the 45 nm figures of Horowitz
    (ISSCC 2014), next to the equally sized non-spiking network's.

    Memory access is left out, as in the op-counting literature, though it dominates real
    chips; that favours the spiking network, which reads weights and updates every membrane
    at each time step (docs/ENERGY.md).
    """

    sops: float = Field(description="Synaptic operations: spikes × fan-out, summed over layers.")
    macs: float = Field(description="Multiply-accumulates of the analog first layer.")
    snn_nj: float = Field(description="Estimated energy of this inference, nJ.")
    ann_macs: float = Field(description="MACs of an equally sized non-spiking network.")
    ann_nj: float = Field(description="That network's energy, nJ.")
    ratio: float = Field(
        description="ann_nj / snn_nj: how many times less energy the SNN used by this count "
        "(over many images, compare mean energies, not the mean of these ratios)."
    )
    e_ac_pj: float = 0.9
    e_mac_pj: float = 4.6
    note: str = ENERGY_NOTE


class Prediction(Schema):
    digit: int = Field(ge=0, le=9, description="Predicted class index.")
    label: str = Field(description="Class name: the digit itself or the garment name.")
    probabilities: list[float] = Field(min_length=10, max_length=10)
    confidence: float = Field(ge=0.0, le=1.0)
    class_names: list[str]
    model_version: str
    dataset: DatasetName
    latency_ms: LatencyMs
    spikes: SpikeTelemetry | None = Field(default=None, description="Omitted when compact.")
    energy: EnergyEstimate
    input: list[list[float]] | None = Field(
        default=None, description="The 28×28 input the network received (omitted when compact)."
    )


class BatchPrediction(Schema):
    results: list[Prediction]


class ImagePayload(Schema):
    """JSON form of a predict request."""

    image: str = Field(
        description="A data URL (data:image/png;base64,...) or plain base64 image bytes.",
        examples=["data:image/png;base64,iVBORw0KGgo..."],
    )


# --- feedback ---------------------------------------------------------------------------------
class FeedbackAccepted(Schema):
    feedback_id: str


FeedbackKind = Literal["correction", "confirmation"]


class FeedbackItem(Schema):
    """One stored correction or confirmation (the image is kept as the preprocessed 28×28
    uint8 array). A confirmation says the answer was right: its ``label`` is that answer."""

    feedback_id: str
    label: int = Field(ge=0, le=9)
    kind: FeedbackKind = "correction"
    model_version: str | None = None
    dataset: DatasetName = "mnist"
    created_at: datetime = Field(default_factory=utcnow)


# --- jobs -------------------------------------------------------------------------------------
class JobKind(StrEnum):
    train = "train"
    finetune = "finetune"
    neurogenesis = "neurogenesis"
    evaluate = "evaluate"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.succeeded, JobState.failed, JobState.cancelled)


JOB_PARAMS: dict[JobKind, type[Schema]] = {
    JobKind.train: TrainParams,
    JobKind.finetune: FinetuneParams,
    JobKind.neurogenesis: NeurogenesisParams,
    JobKind.evaluate: EvaluateParams,
}


class JobSubmit(Schema):
    kind: JobKind
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Validated by kind: TrainParams, FinetuneParams, NeurogenesisParams or "
        "EvaluateParams. A train job's unset fields take the training recipe's values.",
    )

    def typed_params(self) -> Schema:
        """Validate ``params`` against the schema of ``kind`` (raises pydantic errors)."""
        return JOB_PARAMS[self.kind].model_validate(self.params)


class JobProgress(Schema):
    phase: str = Field(default="queued", examples=["training", "evaluating", "publishing"])
    epoch: int | None = None
    epochs: int | None = None
    step: int | None = None
    steps: int | None = None
    loss: float | None = None
    accuracy: float | None = None
    eta_s: float | None = None
    message: str | None = None


class JobAccepted(Schema):
    job_id: str


class JobInfo(Schema):
    job_id: str
    kind: JobKind
    state: JobState
    progress: JobProgress = Field(default_factory=JobProgress)
    result: dict[str, Any] | None = None
    error: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class JobEvent(Schema):
    """One message on a job's Redis channel; the gateway relays each as one SSE event."""

    job_id: str
    type: Literal["progress", "state", "final"]
    state: JobState
    progress: JobProgress | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    ts: datetime = Field(default_factory=utcnow)


# --- models and registry ----------------------------------------------------------------------
class ModelSummary(Schema):
    """A manifest as listed by the API, plus whether it is the active version."""

    model_config = ConfigDict(extra="allow")

    version: str
    active: bool = False


class RegistryEvent(Schema):
    """Published on the registry channel when a version is published or activated."""

    type: Literal["published", "activated"]
    version: str
    previous: str | None = None
    ts: datetime = Field(default_factory=utcnow)
