"""The Redis-backed core every service shares.

* :class:`ModelRegistry` — immutable model versions in the artifact store, their metadata, the
  active pointer and lineage in Redis, ``published``/``activated`` events on
  :data:`REGISTRY_CHANNEL`, activation, rollback and retention;
* :class:`FeedbackStore` — durable user corrections (a Redis Stream) with consumer cursors;
* :class:`JobStore` — job records, their event streams and the cooperative cancel flag.

Each store's operations are written once (:mod:`.driver`) and run blocking (``ModelRegistry``,
``FeedbackStore``, ``JobStore``) or as coroutines (``AsyncModelRegistry``,
``AsyncFeedbackStore``, ``AsyncJobStore``).

Build clients with :func:`connect` / :func:`connect_async` (binary-safe, bounded timeouts).
Every Redis key lives under a namespace (default ``spikeglyph``, see :class:`Keys`).
"""

from spikeglyph.registry.artifacts import ArtifactStore
from spikeglyph.registry.connection import connect, connect_async, redis_guard
from spikeglyph.registry.feedback import AsyncFeedbackStore, FeedbackStore, to_uint8_image
from spikeglyph.registry.job_records import JOB_TTL_S
from spikeglyph.registry.jobs import AsyncJobStore, JobStore
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, REGISTRY_CHANNEL, Keys
from spikeglyph.registry.models import AsyncModelRegistry, ModelRegistry
from spikeglyph.registry.subscriber import listen_registry

__all__ = [
    "DEFAULT_NAMESPACE",
    "JOB_TTL_S",
    "REGISTRY_CHANNEL",
    "ArtifactStore",
    "AsyncFeedbackStore",
    "AsyncJobStore",
    "AsyncModelRegistry",
    "FeedbackStore",
    "JobStore",
    "Keys",
    "ModelRegistry",
    "connect",
    "connect_async",
    "listen_registry",
    "redis_guard",
    "to_uint8_image",
]
