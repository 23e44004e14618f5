"""The Redis-backed stores every service shares (the ``store`` extra): one module per store.

* :class:`ModelRegistry` — immutable model versions in the artifact store, their metadata, the
  active pointer and lineage in Redis, ``published``/``activated`` events on
  :data:`REGISTRY_CHANNEL`, activation, rollback and retention;
* :class:`FeedbackStore` — durable user corrections (a Redis Stream) with consumer cursors;
* :class:`JobStore` — job records, their event streams and the cooperative cancel flag.

Modules: the model registry (``model_registry``, with ``registry_core``,
``registry_publishing``, ``registry_transactions``, the ``artifacts`` directory store and the
``registry_listener`` that follows its events), the job store (``jobs``, ``job_transitions``),
the feedback store (``feedback``), and the plumbing they share (``driver``, ``connection``,
``keys``).

Each store's operations are written once (:mod:`.driver`) and run blocking (``ModelRegistry``,
``FeedbackStore``, ``JobStore``) or as coroutines (``AsyncModelRegistry``,
``AsyncFeedbackStore``, ``AsyncJobStore``).

Build clients with :func:`connect` / :func:`connect_async` (binary-safe, bounded timeouts).
Every Redis key lives under a namespace (default ``spikeglyph``, see :class:`Keys`).
"""

from spikeglyph.stores.artifacts import ArtifactStore
from spikeglyph.stores.connection import connect, connect_async, redis_guard
from spikeglyph.stores.feedback import AsyncFeedbackStore, FeedbackStore, to_uint8_image
from spikeglyph.stores.job_transitions import JOB_TTL_S
from spikeglyph.stores.jobs import AsyncJobStore, JobStore
from spikeglyph.stores.keys import DEFAULT_NAMESPACE, REGISTRY_CHANNEL, Keys
from spikeglyph.stores.model_registry import AsyncModelRegistry, ModelRegistry
from spikeglyph.stores.registry_listener import listen_registry

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
