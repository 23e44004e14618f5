"""Errors decided at the gateway's HTTP edge (auth, rate limits, upstream trouble).

They are :class:`spikeglyph.api_errors.ApiError` subclasses, so the shared handlers answer them
with their status, headers and the uniform error body like every other SpikeGlyph error.
"""

from __future__ import annotations

from spikeglyph.api_errors import ApiError


class MissingApiKey(ApiError):
    status = 401
    code = "missing_api_key"


class WrongApiKey(ApiError):
    status = 403
    code = "invalid_api_key"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"


class NoReplicaAvailable(ApiError):
    """Every inference replica refused or failed: the caller should come back shortly."""

    status = 503
    code = "inference_unavailable"


class ServiceUnavailable(ApiError):
    """A dependency (Redis, the job queue) cannot be reached right now."""

    status = 503
    code = "service_unavailable"


class UnknownFeedbackVersion(ApiError):
    """A correction names a model version that does not exist (so its dataset is unknown)."""

    status = 422
    code = "unknown_model_version"


class WrongFeedbackDataset(ApiError):
    """A correction's ``dataset`` contradicts the dataset of the version it corrects."""

    status = 422
    code = "dataset_mismatch"
