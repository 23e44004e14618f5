"""The gateway's one settings object, read from ``SPIKEGLYPH_*`` variables at start-up.

A weak API key in production is worse than none: it looks protected. So outside the
``development`` and ``test`` environments the validator refuses short or well-known keys and the
process stops with a clear message instead of serving.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import NoDecode

from spikeglyph.settings import ApiKeySettings

REPO_ROOT = Path(__file__).resolve().parents[4]
MIN_KEY_LENGTH = 16
WEAK_KEYS = frozenset(
    {"changeme", "change-me", "secret", "password", "admin", "test", "dev", "apikey", "api-key"}
)


def _csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class RateLimit(BaseModel):
    """A token bucket: ``burst`` requests at once, refilled at ``per_minute`` a minute.

    ``per_minute = 0`` switches the limit off for that route class.
    """

    per_minute: float = Field(default=0.0, ge=0)
    burst: int = Field(default=1, ge=1)

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0


class GatewaySettings(ApiKeySettings):
    """Everything the gateway can be told through its environment."""

    # A model archive (POST /api/v1/models) may be larger than an image upload.
    max_model_upload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    inference_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:8001"]
    )
    # Upstream timeouts (seconds): connecting must be quick so a dead replica is skipped fast.
    connect_timeout_s: float = Field(default=1.0, gt=0)
    request_timeout_s: float = Field(default=30.0, gt=0)
    probe_interval_s: float = Field(default=1.0, gt=0)
    probe_timeout_s: float = Field(default=1.0, gt=0)
    max_connections: int = Field(default=256, ge=1)
    # Images in one Open Inference Protocol request (the replicas' own batch limit still applies).
    oip_max_images: int = Field(default=64, ge=1, le=1024)
    # Route classes: predict is open by default (a load test of 1000/s from one address
    # must pass); feedback and job submission are limited.
    rate_limit_predict: RateLimit = Field(default_factory=RateLimit)
    rate_limit_feedback: RateLimit = Field(
        default_factory=lambda: RateLimit(per_minute=60, burst=20)
    )
    rate_limit_jobs: RateLimit = Field(default_factory=lambda: RateLimit(per_minute=10, burst=5))
    rate_limit_control: RateLimit = Field(
        default_factory=lambda: RateLimit(per_minute=60, burst=20)
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    frontend_dir: Path = REPO_ROOT / "frontend"
    # Below the Redis socket timeout (30 s): a heartbeat period is also one blocking XREAD.
    sse_heartbeat_s: float = Field(default=15.0, gt=0, le=25)
    sse_max_duration_s: float = Field(default=6 * 3600.0, gt=0)
    trust_forwarded_for: bool = Field(
        default=False, description="Take the client address from X-Forwarded-For (behind a proxy)."
    )

    _split_urls = field_validator("inference_urls", "cors_origins", mode="before")(_csv)

    @field_validator("inference_urls")
    @classmethod
    def _strip_slash(cls, urls: list[str]) -> list[str]:
        if not urls:
            raise ValueError("SPIKEGLYPH_INFERENCE_URLS names no inference replica")
        return [url.rstrip("/") for url in urls]

    @model_validator(mode="after")
    def _refuse_weak_keys(self) -> Self:
        if self.environment in ("development", "test"):
            return self
        for key in self.api_keys:
            if len(key) < MIN_KEY_LENGTH or key.lower() in WEAK_KEYS or len(set(key)) < 6:
                raise ValueError(
                    "SPIKEGLYPH_API_KEYS holds a weak key: outside development use random keys "
                    f"of at least {MIN_KEY_LENGTH} characters (e.g. `openssl rand -hex 24`)"
                )
        return self
