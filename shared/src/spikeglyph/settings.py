"""Settings shared by every SpikeGlyph process, read from ``SPIKEGLYPH_*`` variables.

Each service subclasses :class:`CoreSettings` with its own fields, builds one instance at
start-up (validated there, so a bad variable stops the process with a clear message) and hands
it in; nothing deeper reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from spikeglyph.artifact_urls import parse_artifacts_url

Device = Literal["auto", "cpu", "cuda"]
Environment = Literal["development", "production", "test"]


def _split_csv(value: object) -> object:
    """Accept ``"a,b , c"`` as well as a real list for list-valued variables."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class CoreSettings(BaseSettings):
    """The variables of the public contract (DESIGN.md) plus a few shared limits."""

    model_config = SettingsConfigDict(env_prefix="SPIKEGLYPH_", extra="ignore")

    redis_url: str = "redis://localhost:6379/0"
    artifacts_dir: Path = Path("./var/artifacts")
    # file:///path or s3://bucket/prefix; unset: the directory above. S3 credentials and the
    # endpoint come from the standard AWS_* variables, read by boto3 itself.
    artifacts_url: str | None = None
    # Each service's verified local copies of versions loaded from object storage.
    cache_dir: Path = Path("./var/cache")
    cache_versions: int = Field(default=4, ge=2)
    data_dir: Path = Path("./var/datasets")
    device: Device = "auto"
    environment: Environment = "development"
    log_level: str = "INFO"
    log_json: bool = True
    # Upload limits, enforced while the body streams in and again before decoding.
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=784)
    # Where the shipped default models live (used when the registry is empty).
    models_dir: Path = Path(__file__).resolve().parents[3] / "models"
    default_dataset: Literal["mnist", "fashion-mnist"] = "mnist"

    @field_validator("artifacts_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value:
            parse_artifacts_url(value)
        return value or None

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ApiKeySettings(CoreSettings):
    """Settings of a process that checks ``X-API-Key`` on protected routes."""

    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)

    _split_keys = field_validator("api_keys", mode="before")(_split_csv)
