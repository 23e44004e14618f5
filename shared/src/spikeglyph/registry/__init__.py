"""The Redis-backed core every service shares.

* :class:`ModelRegistry` — immutable model versions in the artifact store, their metadata, the
  active pointer and lineage in Redis, ``published``/``activated`` events on
  :data:`REGISTRY_CHANNEL`, activation, rollback and retention;
* :class:`FeedbackStore` — durable user corrections (a Redis Stream) with consumer cursors;
* :class:`JobStore` / :class:`AsyncJobStore` — job records, their event streams and the
  cooperative cancel flag.

Build clients with :func:`connect` / :func:`connect_async` (binary-safe, bounded timeouts).
Every Redis key lives under a namespace (default ``spikeglyph``, see :class:`Keys`).
"""

from spikeglyph.registry.artifacts import ArtifactStore
from spikeglyph.registry.connection import connect, connect_async, redis_guard
from spikeglyph.registry.feedback import FeedbackStore, to_uint8_image
from spikeglyph.registry.job_records import JOB_TTL_S
from spikeglyph.registry.jobs import JobStore
from spikeglyph.registry.jobs_async import AsyncJobStore
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, REGISTRY_CHANNEL, Keys
from spikeglyph.registry.models import ModelRegistry
from spikeglyph.registry.subscriber import listen_registry
from spikeglyph.registry.subscriber_async import alisten_registry

__all__ = [
    "DEFAULT_NAMESPACE",
    "JOB_TTL_S",
    "REGISTRY_CHANNEL",
    "ArtifactStore",
    "AsyncJobStore",
    "FeedbackStore",
    "JobStore",
    "Keys",
    "ModelRegistry",
    "alisten_registry",
    "connect",
    "connect_async",
    "listen_registry",
    "redis_guard",
    "to_uint8_image",
]
