"""Domain exceptions.

Domain code raises these; only the API layers map them to HTTP statuses (see
:data:`spikeglyph.api_errors.STATUS_BY_CODE`) and only task decorators turn them into retries.
Each class carries a stable machine-readable ``code`` that ends up in the uniform error body
``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations


class SpikeGlyphError(Exception):
    """Base of every error SpikeGlyph raises on purpose."""

    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- images -----------------------------------------------------------------------------------
class InvalidImage(SpikeGlyphError):
    """The bytes are not a decodable image (truncated, corrupt, empty)."""

    code = "invalid_image"


class BlankImage(InvalidImage):
    """The image decodes but holds no ink to recognise."""

    code = "blank_image"


class UnsupportedImage(SpikeGlyphError):
    """A real file, but of a type or mode SpikeGlyph does not read (SVG, HTML, PDF...)."""

    code = "unsupported_media_type"


class ImageTooLarge(SpikeGlyphError):
    """Too many bytes or too many pixels (decompression bombs included)."""

    code = "payload_too_large"


# --- datasets ---------------------------------------------------------------------------------
class DatasetError(SpikeGlyphError):
    code = "dataset_error"


class UnknownDataset(DatasetError):
    code = "unknown_dataset"


class CorruptDataset(DatasetError):
    """An IDX file is truncated, has a bad header or fails its checksum."""

    code = "corrupt_dataset"


class DatasetDownloadError(DatasetError):
    code = "dataset_download_failed"


# --- models and registry ----------------------------------------------------------------------
class ModelError(SpikeGlyphError):
    code = "model_error"


class ModelNotFound(ModelError):
    code = "model_not_found"


class InvalidModel(ModelError):
    """A model directory whose manifest is missing, malformed or of an unknown schema."""

    code = "invalid_model"


class ChecksumMismatch(InvalidModel):
    """A model file's sha256 differs from the one its manifest records: refuse to load it."""

    code = "checksum_mismatch"


class InvalidVersionName(ModelError):
    """A version id that is not a plain safe name (path traversal, separators, too long)."""

    code = "invalid_version"


class VersionConflict(ModelError):
    code = "version_conflict"


class RegistryUnavailable(SpikeGlyphError):
    """Redis cannot be reached right now."""

    code = "registry_unavailable"


# --- jobs -------------------------------------------------------------------------------------
class JobNotFound(SpikeGlyphError):
    code = "job_not_found"


class JobCancelled(SpikeGlyphError):
    """Raised inside a running job when its cooperative cancel flag is seen."""

    code = "job_cancelled"


class InvalidJobParams(SpikeGlyphError):
    code = "invalid_job_params"


class InvalidRecipe(InvalidJobParams, ValueError):
    """A training recipe, or a change to one, that cannot train a model. A ``ValueError`` too,
    so a pydantic validator that meets it reports a validation error."""

    code = "invalid_recipe"


class DeviceUnavailable(SpikeGlyphError):
    """``SPIKEGLYPH_DEVICE=cuda`` asked for a GPU that this machine or build does not have."""

    code = "device_unavailable"
