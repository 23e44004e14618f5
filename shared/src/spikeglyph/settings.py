"""Settings shared by every SpikeGlyph process, read from ``SPIKEGLYPH_*`` variables.

Each service subclasses :class:`CoreSettings` with its own fields, builds one instance at
start-up (validated there, so a bad variable stops the process with a clear message) and hands
it in; nothing deeper reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from spikeglyph.artifact_urls import parse_artifacts_url

Device = Literal["auto", "cpu", "cuda"]
# A shared secret shorter than this is guessable; `make run` and Compose make 48 hex characters.
MIN_INTERNAL_TOKEN_LENGTH = 16
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

    # Gateway → inference calls carry it as ``Authorization: Bearer …``; an inference replica
    # with one set refuses its prediction routes to any caller without it. Unset: open (a
    # replica on a private network, or a test).
    internal_token: SecretStr | None = None

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

    @field_validator("internal_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Compose passes an unset variable through as "", which must not become a token.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _refuse_short_token(self) -> Self:
        token = self.internal_token
        if token is None or self.environment in ("development", "test"):
            return self
        if len(token.get_secret_value()) < MIN_INTERNAL_TOKEN_LENGTH:
            raise ValueError(
                "SPIKEGLYPH_INTERNAL_TOKEN is too short: outside development use a random token "
                f"of at least {MIN_INTERNAL_TOKEN_LENGTH} characters (`openssl rand -hex 24`)"
            )
        return self


class ApiKeySettings(CoreSettings):
    """Settings of a process that checks ``X-API-Key`` on protected routes."""

    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)

    _split_keys = field_validator("api_keys", mode="before")(_split_csv)
