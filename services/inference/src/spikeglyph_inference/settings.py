"""Settings of the inference service, read once from ``SPIKEGLYPH_*`` variables at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from spikeglyph.settings import CoreSettings


class Settings(CoreSettings):
    """Batching, timeouts and thread pools of one inference replica.

    The defaults favour latency: a lone request waits at most ``max_wait_ms`` for company, and
    under load up to ``max_batch_size`` requests share one ONNX Runtime call.
    """

    # Measured on the shipped conv model (docs/BENCHMARKS.md): per-image cost is lowest for
    # batches of 2-16 and rises beyond (activations outgrow the cache). One ONNX Runtime thread
    # leaves the other cores to the HTTP loop and to more replicas, which is where throughput
    # comes from; where cores are real (not SMT siblings), two threads lower a lone replica's
    # single-image latency.
    max_batch_size: int = Field(default=16, ge=1, le=1024)
    max_wait_ms: float = Field(default=2.0, ge=0.0, le=1000.0)
    queue_max: int = Field(default=256, ge=1, description="Waiting images before 503.")
    request_timeout_s: float = Field(default=10.0, gt=0.0, description="Beyond it: 504.")
    retry_after_s: int = Field(default=1, ge=1, description="Retry-After sent with 503.")
    intra_op_threads: int | None = Field(
        default=1, ge=1, description="ONNX Runtime threads per replica (unset: its own choice)."
    )
    preprocess_threads: int = Field(default=2, ge=1, le=64)
    max_batch_files: int = Field(default=64, ge=1, le=1024)
    # Versions other than the served one that a versioned request may load and keep (LRU);
    # each holds an ONNX Runtime session. 0: only the served version answers.
    max_loaded_versions: int = Field(default=2, ge=0, le=16)
    model_variant: Literal["fp32", "int8"] = "fp32"
