"""Every error SpikeGlyph answers with, in one place: its class, ``code`` and HTTP ``status``.

Domain code raises these; only the API layers turn them into HTTP answers (the handlers of
:mod:`spikeglyph.server.errors` read ``exc.status`` and ``exc.code``) and only task decorators
turn them into retries. The ``code`` is stable and machine-readable: it ends up in the uniform
error body ``{"error": {"code": ..., "message": ...}}``. A subclass that declares no ``code``
or ``status`` of its own answers like its parent; each code is declared by exactly one class.

Two kinds live here. Domain errors say what went wrong with an image, a dataset, a model or a
job. :class:`EdgeError` subclasses are decisions made at the HTTP edge (auth, rate limits,
size limits, overload, readiness, timeouts): the service protecting itself, answered without
an error in the log. This module imports nothing, so every layer (the HTTP client included)
can name these errors without pulling in a web framework.

Size: every error class in one module, so that each code and status is declared exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping


class SpikeGlyphError(Exception):
    """Base of every error SpikeGlyph raises on purpose.

    ``headers`` are added to the HTTP answer; ``retry_after_s`` sets ``Retry-After`` (at least
    1 s), which every 429 and 503 answer carries anyway.
    """

    code = "internal_error"
    status = 500
    # Answered only between the services (gateway → inference), never to a public client.
    internal = False

    def __init__(
        self,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(max(1, int(retry_after_s)))


class EdgeError(SpikeGlyphError):
    """A refusal decided at the HTTP edge rather than a fault (see the module docstring)."""


# --- requests at the edge ---------------------------------------------------------------------
class UnknownFeedbackVersion(EdgeError):
    """A correction names a model version that does not exist (so its dataset is unknown)."""

    code = "unknown_model_version"
    status = 422


class WrongFeedbackDataset(EdgeError):
    """A correction's ``dataset`` contradicts the dataset of the version it corrects."""

    code = "dataset_mismatch"
    status = 422


class MissingApiKey(EdgeError):
    code = "missing_api_key"
    status = 401


class WrongApiKey(EdgeError):
    code = "invalid_api_key"
    status = 403


class InternalTokenRefused(EdgeError):
    """A service-to-service call (gateway → inference) without the shared internal token, or
    with another one: only the gateway may call an inference replica's prediction routes."""

    code = "invalid_internal_token"
    status = 401
    internal = True


class RateLimited(EdgeError):
    code = "rate_limited"
    status = 429


class PayloadTooLarge(EdgeError):
    """The request body, or one upload in it, is larger than the service accepts."""

    code = "payload_too_large"
    status = 413


class InvalidRequest(EdgeError):
    """The request is well-formed HTTP but not what the endpoint takes (wrong JSON, fields)."""

    code = "validation_error"
    status = 422


class InvalidTensor(InvalidRequest):
    """An Open Inference Protocol request whose tensors are not what the model takes."""

    code = "invalid_tensor"
    status = 400


class ServiceOverloaded(EdgeError):
    """A bounded queue is full: the client should retry after ``Retry-After`` seconds."""

    code = "overloaded"
    status = 503


class NotReady(EdgeError):
    """The service is alive but cannot answer yet (no model loaded, dependency missing)."""

    code = "not_ready"
    status = 503


class NoReplicaAvailable(EdgeError):
    """Every inference replica refused or failed: the caller should come back shortly."""

    code = "inference_unavailable"
    status = 503


class ServiceUnavailable(EdgeError):
    """A dependency (Redis, the job queue) cannot be reached right now."""

    code = "service_unavailable"
    status = 503


class RequestTimedOut(EdgeError):
    """The request did not finish within the service's per-request time limit."""

    code = "timeout"
    status = 504


# --- images -----------------------------------------------------------------------------------
class InvalidImage(SpikeGlyphError):
    """The bytes are not a decodable image (truncated, corrupt, empty)."""

    code = "invalid_image"
    status = 400


class BlankImage(InvalidImage):
    """The image decodes but holds no ink to recognise."""

    code = "blank_image"


class UnsupportedImage(SpikeGlyphError):
    """A real file, but of a type or mode SpikeGlyph does not read (SVG, HTML, PDF...)."""

    code = "unsupported_media_type"
    status = 415


class ImageTooLarge(PayloadTooLarge):
    """Too many bytes or too many pixels (decompression bombs included): a payload too large."""


# --- datasets ---------------------------------------------------------------------------------
class DatasetError(SpikeGlyphError):
    code = "dataset_error"


class UnknownDataset(DatasetError):
    code = "unknown_dataset"
    status = 404


class CorruptDataset(DatasetError):
    """An IDX file is truncated, has a bad header or fails its checksum."""

    code = "corrupt_dataset"


class DatasetDownloadError(DatasetError):
    code = "dataset_download_failed"
    status = 503


# --- models and registry ----------------------------------------------------------------------
class ModelError(SpikeGlyphError):
    code = "model_error"


class ModelNotFound(ModelError):
    code = "model_not_found"
    status = 404


class InvalidModel(ModelError):
    """A model directory whose manifest is missing, malformed or of an unknown schema."""

    code = "invalid_model"
    status = 422


class ChecksumMismatch(InvalidModel):
    """A model file's sha256 differs from the one its manifest records: refuse to load it."""

    code = "checksum_mismatch"


class InvalidModelArchive(InvalidModel):
    """An uploaded model archive that is not a flat, well-formed model directory."""

    code = "invalid_model_archive"


class InvalidVersionName(ModelError):
    """A version id that is not a plain safe name (path traversal, separators, too long)."""

    code = "invalid_version"
    status = 400


class VersionConflict(ModelError):
    code = "version_conflict"
    status = 409


class WhatIfUnavailable(ModelError):
    """The served version has no what-if graph (exported before it existed, or a family
    without one): ``spikeglyph export --model DIR --whatif`` adds it to a new version."""

    code = "whatif_unavailable"
    status = 409


class RegistryUnavailable(SpikeGlyphError):
    """Redis cannot be reached right now."""

    code = "registry_unavailable"
    status = 503


class InvalidFeedback(SpikeGlyphError, ValueError):
    """A correction that cannot be stored: bad label, dataset, image shape or pixel values."""

    code = "invalid_feedback"
    status = 422


# --- jobs -------------------------------------------------------------------------------------
class JobNotFound(SpikeGlyphError):
    code = "job_not_found"
    status = 404


class JobCancelled(SpikeGlyphError):
    """Raised inside a running job when its cooperative cancel flag is seen."""

    code = "job_cancelled"
    status = 409


class InvalidJobParams(SpikeGlyphError):
    code = "invalid_job_params"
    status = 422


class InvalidJobTransition(SpikeGlyphError):
    """An update that would move a job backwards (finished → anything, running → queued)."""

    code = "invalid_job_transition"
    status = 409


class InvalidRecipe(InvalidJobParams, ValueError):
    """A training recipe, or a change to one, that cannot train a model. A ``ValueError`` too,
    so a pydantic validator that meets it reports a validation error."""

    code = "invalid_recipe"


class DeviceUnavailable(SpikeGlyphError):
    """``SPIKEGLYPH_DEVICE=cuda`` asked for a GPU that this machine or build does not have."""

    code = "device_unavailable"
    status = 503


# --- errors the web framework raises by itself --------------------------------------------------
FRAMEWORK_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: PayloadTooLarge.code,
    415: UnsupportedImage.code,
    422: InvalidRequest.code,
    429: RateLimited.code,
    500: SpikeGlyphError.code,
    503: "unavailable",
    504: RequestTimedOut.code,
}
"""Code of a plain framework HTTP error (unknown route, wrong method) by its status: no class
above is raised for those, so they get a code named for the status (``error`` if unlisted)."""


def error_classes() -> list[type[SpikeGlyphError]]:
    """Every error class above, parents before children (for documentation and tests)."""
    found: list[type[SpikeGlyphError]] = [SpikeGlyphError]
    for cls in found:
        found.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return found


def codes_with_status(status: int, *, public: bool = False) -> list[str]:
    """The codes an answer with ``status`` may carry, in the order of :func:`error_classes`
    (``public``: only those a public client can receive, for the gateway's documentation)."""
    codes = [
        cls.code
        for cls in error_classes()
        if cls.status == status and not (public and cls.internal)
    ]
    return list(dict.fromkeys(codes))


# --- what the HTTP client receives -----------------------------------------------------------
class SpikeGlyphAPIError(SpikeGlyphError):
    """The API answered an error (``status`` ≥ 400) with ``{"error": {"code", "message"}}``.

    ``retry_after`` holds the seconds a 429 or 503 asked to wait (its ``Retry-After``, given
    as seconds or as an HTTP date), when given. Also a :class:`SpikeGlyphError`, so callers that
    already report the project's errors report these too.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after


class SpikeGlyphConnectionError(SpikeGlyphAPIError):
    """The gateway could not be reached at all (status 0: no HTTP answer)."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "connection_error", message)
