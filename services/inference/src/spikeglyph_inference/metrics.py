"""Prometheus series of one inference app (its own registry, so two apps never share state).

Series (all prefixed ``spikeglyph_inference_``):

``requests_total{route,status}``               answered requests
``request_duration_seconds{route}``            whole request, histogram
``queue_seconds`` / ``preprocess_seconds`` / ``compute_seconds``
                                               where the time of one image went, histograms
``batch_size``                                 images per ONNX Runtime call, histogram
``queue_depth``                                images waiting for the model now
``model_info{version,dataset,device}``         1 for the version being served
``ready``                                      1 once a model is loaded and warm
``model_swaps_total``                          successful hot swaps
``model_refusals_total{reason}``               versions refused (checksum, invalid, load error)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "spikeglyph_inference"
_FAST_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
_REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        reg = self.registry
        self.requests = Counter(
            f"{PREFIX}_requests", "Answered requests.", ["route", "status"], registry=reg
        )
        self.request_duration = Histogram(
            f"{PREFIX}_request_duration_seconds",
            "Whole request duration.",
            ["route"],
            buckets=_REQUEST_BUCKETS,
            registry=reg,
        )
        self.queue = Histogram(
            f"{PREFIX}_queue_seconds",
            "Time an image waited for its batch to start.",
            buckets=_FAST_BUCKETS,
            registry=reg,
        )
        self.preprocess = Histogram(
            f"{PREFIX}_preprocess_seconds",
            "Decoding and preprocessing of one image.",
            buckets=_FAST_BUCKETS,
            registry=reg,
        )
        self.compute = Histogram(
            f"{PREFIX}_compute_seconds",
            "ONNX Runtime call of the batch an image was part of.",
            buckets=_FAST_BUCKETS,
            registry=reg,
        )
        self.batch_size = Histogram(
            f"{PREFIX}_batch_size",
            "Images per ONNX Runtime call.",
            buckets=_BATCH_BUCKETS,
            registry=reg,
        )
        self.queue_depth = Gauge(
            f"{PREFIX}_queue_depth", "Images waiting for the model.", registry=reg
        )
        self.model_info = Gauge(
            f"{PREFIX}_model_info",
            "1 for the model version being served.",
            ["version", "dataset", "device"],
            registry=reg,
        )
        self.ready = Gauge(f"{PREFIX}_ready", "1 once a model is loaded and warm.", registry=reg)
        self.swaps = Counter(f"{PREFIX}_model_swaps", "Successful hot swaps.", registry=reg)
        self.refusals = Counter(
            f"{PREFIX}_model_refusals",
            "Model versions refused (failed verification or loading).",
            ["reason"],
            registry=reg,
        )

    def serving(self, version: str, dataset: str, device: str) -> None:
        """Point ``model_info`` at the version now served (and only at it)."""
        self.model_info.clear()
        self.model_info.labels(version=version, dataset=dataset, device=device).set(1)
        self.ready.set(1)
