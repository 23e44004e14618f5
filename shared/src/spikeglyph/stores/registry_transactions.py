"""The registry's Redis transactions, one function per change.

Each function is the body of a :class:`~spikeglyph.stores.driver.Transaction`: it reads by
yielding calls (run on the watching pipeline, in immediate mode), decides, then queues its
writes after ``pipe.multi()``, so the change commits whole or (if a watched key moved) is
decided again on fresh data.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from spikeglyph.errors import ModelNotFound
from spikeglyph.modeldir import Manifest
from spikeglyph.stores.connection import text, texts
from spikeglyph.stores.driver import Op, call
from spikeglyph.stores.keys import Keys

# Long enough to cover any redelivery of the job that published (Celery visibility timeout).
IDEMPOTENCY_TTL_S = 30 * 24 * 3600
ACTIVATION_HISTORY_LEN = 100


class Recorded(NamedTuple):
    """How recording a publication ended."""

    outcome: Literal["recorded", "duplicate", "conflict"]
    version: str  # the version recorded, or the one the idempotency key already names
    previous: str | None  # the active version before an ``activate=True`` publication


class RollbackPlan(NamedTuple):
    current: str
    target: str
    history: list[str]  # the activation history once ``target`` is active again


def record_publication(
    pipe: Any, keys: Keys, manifest: Manifest, idempotency_key: str | None, activate: bool
) -> Op[Recorded]:
    """Record manifest, history, lineage and idempotency key (and activate) in one EXEC."""
    version = manifest.version
    if idempotency_key:
        winner = text((yield call("get", keys.idempotency(idempotency_key))))
        if winner is not None:
            return Recorded("duplicate", winner, None)
    if (yield call("hexists", keys.manifests, version)):
        return Recorded("conflict", version, None)
    previous = text((yield call("get", keys.active)))
    pipe.multi()
    pipe.hset(keys.manifests, version, manifest.model_dump_json())
    pipe.zadd(keys.history, {version: manifest.created_at.timestamp()})
    if manifest.parent:
        pipe.hset(keys.parents, version, manifest.parent)
    if idempotency_key:
        pipe.set(keys.idempotency(idempotency_key), version, ex=IDEMPOTENCY_TTL_S)
    if activate:
        queue_activation(pipe, keys, version, previous)
    return Recorded("recorded", version, previous)


def activate_version(pipe: Any, keys: Keys, version: str) -> Op[str | None]:
    """Point ``active`` at a recorded version; return the version it replaced."""
    if not (yield call("hexists", keys.manifests, version)):
        raise ModelNotFound(f"unknown model version {version}")
    previous = text((yield call("get", keys.active)))
    pipe.multi()
    queue_activation(pipe, keys, version, previous)
    return previous


def queue_activation(pipe: Any, keys: Keys, version: str, previous: str | None) -> None:
    pipe.set(keys.active, version)
    if previous != version:
        pipe.lpush(keys.activations, version)
        pipe.ltrim(keys.activations, 0, ACTIVATION_HISTORY_LEN - 1)


def plan_rollback(keys: Keys) -> Op[RollbackPlan]:
    """Where a rollback goes: the newest earlier activation still recorded, else the parent.

    Runs on the plain client or inside a transaction (both read immediately).
    """
    current = text((yield call("get", keys.active)))
    if current is None:
        raise ModelNotFound("no active model version to roll back from")
    history = texts((yield call("lrange", keys.activations, 0, -1)))
    for index, candidate in enumerate(history):
        if candidate != current and (yield call("hexists", keys.manifests, candidate)):
            return RollbackPlan(current, candidate, history[index:])
    parent = text((yield call("hget", keys.parents, current)))
    if parent and (yield call("hexists", keys.manifests, parent)):
        return RollbackPlan(current, parent, [parent])
    raise ModelNotFound(f"nothing to roll back to: {current} has no earlier active version")


def apply_rollback(pipe: Any, keys: Keys, plan: RollbackPlan) -> Op[bool]:
    """Apply ``plan`` if it still holds; ``False`` when the history moved meanwhile."""
    if (yield from plan_rollback(keys)) != plan:
        return False
    pipe.multi()
    pipe.set(keys.active, plan.target)
    pipe.delete(keys.activations)
    pipe.rpush(keys.activations, *plan.history)
    return True


def forget_version(pipe: Any, keys: Keys, version: str) -> Op[bool]:
    """Drop a version's metadata unless it is (now) the active one or the active's parent."""
    active = text((yield call("get", keys.active)))
    if active is not None and version in (
        active,
        text((yield call("hget", keys.parents, active))),
    ):
        return False
    pipe.multi()
    pipe.hdel(keys.manifests, version)
    pipe.zrem(keys.history, version)
    pipe.hdel(keys.parents, version)
    pipe.lrem(keys.activations, 0, version)
    return True


def activate_if_unset(pipe: Any, keys: Keys, version: str) -> Op[bool]:
    """Activate a recorded version only if no version is active (the shipped default)."""
    if (yield call("get", keys.active)) is not None:
        return False
    if not (yield call("hexists", keys.manifests, version)):
        raise ModelNotFound(f"unknown model version {version}")
    pipe.multi()
    queue_activation(pipe, keys, version, None)
    return True
