"""What every typed edge shares: the strict base model, safe version names, UTC clocks.

Kept apart from :mod:`spikeglyph.schemas` so that the job parameters
(:mod:`spikeglyph.job_params`) build on it without an import cycle.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
"""A model version id: one safe path component (no separators, no '..', not hidden)."""


def is_safe_version(version: str) -> bool:
    return bool(VERSION_RE.fullmatch(version)) and ".." not in version


def _check_version(version: str) -> str:
    if not is_safe_version(version):
        raise ValueError(
            "a model version is letters, digits, '.', '_' and '-' (at most 96 characters, no '..')"
        )
    return version


VersionName = Annotated[str, AfterValidator(_check_version)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Schema(BaseModel):
    """The base of every edge type: an unknown field is refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")
