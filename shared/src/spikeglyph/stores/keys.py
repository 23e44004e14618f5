"""Every Redis key and channel name SpikeGlyph uses, in one place.

All names live under a namespace prefix (default ``spikeglyph``) so several deployments, or
several test runs, can share one Redis without seeing each other's data.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_NAMESPACE = "spikeglyph"


@dataclass(frozen=True)
class Keys:
    """Key and channel names for one namespace."""

    namespace: str = DEFAULT_NAMESPACE

    def __post_init__(self) -> None:
        if not self.namespace or any(ch in self.namespace for ch in " \t\r\n"):
            raise ValueError(f"invalid Redis namespace {self.namespace!r}")

    def _key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    # --- model registry -----------------------------------------------------------------------
    @property
    def registry_channel(self) -> str:
        """Pub/sub channel carrying :class:`~spikeglyph.schemas.RegistryEvent` JSON."""
        return self._key("registry", "events")

    @property
    def manifests(self) -> str:
        """Hash: version → manifest JSON."""
        return self._key("registry", "manifests")

    @property
    def history(self) -> str:
        """Sorted set: version scored by its manifest's ``created_at`` (epoch seconds)."""
        return self._key("registry", "history")

    @property
    def parents(self) -> str:
        """Hash: version → parent version (lineage)."""
        return self._key("registry", "parents")

    @property
    def active(self) -> str:
        """String: the active version."""
        return self._key("registry", "active")

    @property
    def activations(self) -> str:
        """List: activation history, the current active version at the head."""
        return self._key("registry", "activations")

    def idempotency(self, key: str) -> str:
        """String: the version a publish with this idempotency key produced."""
        return self._key("registry", "idempotency", key)

    # --- feedback -----------------------------------------------------------------------------
    @property
    def feedback_stream(self) -> str:
        """Stream of corrections (label, model_version, dataset, image, created_at)."""
        return self._key("feedback", "stream")

    @property
    def feedback_cursors(self) -> str:
        """Hash: consumer name → last feedback id it has consumed."""
        return self._key("feedback", "cursors")

    # --- jobs ---------------------------------------------------------------------------------
    @property
    def job_index(self) -> str:
        """Sorted set: job id scored by creation time (epoch seconds)."""
        return self._key("jobs", "index")

    def job(self, job_id: str) -> str:
        """String: the job's :class:`~spikeglyph.schemas.JobInfo` JSON."""
        return self._key("jobs", job_id, "info")

    def job_events(self, job_id: str) -> str:
        """Capped stream of the job's :class:`~spikeglyph.schemas.JobEvent` JSON (replay)."""
        return self._key("jobs", job_id, "events")

    def job_channel(self, job_id: str) -> str:
        """Pub/sub channel carrying the same events live."""
        return self._key("jobs", job_id, "channel")

    def job_cancel(self, job_id: str) -> str:
        """String flag set when a cancel was requested."""
        return self._key("jobs", job_id, "cancel")


REGISTRY_CHANNEL = Keys().registry_channel
