"""One implementation of every Redis store, for blocking and for asyncio callers.

A store operation is written once, as a generator that performs no I/O: it *yields* what it
needs done and receives the answer —

* :func:`call` — one Redis command (``raw = yield call("get", key)``);
* :class:`Transaction` — an optimistic transaction: its body reads through the WATCHing
  pipeline by yielding calls, then calls ``pipe.multi()`` and queues its writes (queueing is
  not I/O); if a watched key moved before EXEC, the body runs again on fresh data;
* :class:`Offload` — blocking local work (copying or verifying a model directory).

:func:`run` drives an operation with a synchronous redis-py client, :func:`arun` with an
asyncio one (offloaded work goes to a thread, so the event loop never blocks) — the shape of
redis-py's own command layer, where one command definition serves both clients. A store
declares each operation once with :func:`operation`; the same declaration is a blocking method
on a :class:`SyncStore` (the trainer worker, the inference replica's registry thread) and a
coroutine method on an :class:`AsyncStore` (the gateway), so the two cannot drift apart.
Errors raised while a step runs are thrown back into the operation at its ``yield``, so an
operation can handle them as if it had made the call itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, cast, overload

import redis
import redis.asyncio as aioredis

from spikeglyph.stores.connection import redis_guard, require_binary
from spikeglyph.stores.keys import DEFAULT_NAMESPACE, Keys

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S", bound="Store")


@dataclass(frozen=True)
class Call:
    """One Redis command, by its redis-py method name."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transaction(Generic[T]):
    """WATCH ``watches``, run ``body(pipe)``, EXEC; again from the start if a key moved."""

    watches: tuple[str, ...]
    body: Callable[[Any], Op[T]]


@dataclass(frozen=True)
class Offload:
    """Blocking local work; its return value is the step's answer."""

    work: Callable[[], Any]


Step = Call | Transaction[Any] | Offload
Op = Generator[Step, Any, T]
"""A store operation: yields steps, receives their answers, returns its result."""


def call(name: str, *args: Any, **kwargs: Any) -> Call:
    return Call(name, args, kwargs)


@dataclass(frozen=True)
class _Finished(Generic[T]):
    value: T


def _advance(op: Op[T], reply: Any, error: BaseException | None) -> Step | _Finished[T]:
    """Hand ``op`` the last step's answer (or its error): its next step, or its result."""
    try:
        return op.throw(error) if error is not None else op.send(reply)
    except StopIteration as done:
        return _Finished(cast(T, done.value))


def run(client: Any, op: Op[T]) -> T:
    """Drive ``op`` to completion with a synchronous client (or a watching pipeline)."""
    reply: Any = None
    error: BaseException | None = None
    while not isinstance(step := _advance(op, reply, error), _Finished):
        try:
            reply, error = _perform(client, step), None
        except Exception as exc:
            reply, error = None, exc
    return step.value


def _perform(client: Any, step: Step) -> Any:
    if isinstance(step, Call):
        return getattr(client, step.name)(*step.args, **step.kwargs)
    if isinstance(step, Offload):
        return step.work()
    with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                pipe.watch(*step.watches)
                value = run(pipe, step.body(pipe))
                pipe.execute()
                return value
            except redis.WatchError:
                continue


async def arun(client: Any, op: Op[T]) -> T:
    """Drive ``op`` to completion with an asyncio client (or a watching asyncio pipeline)."""
    reply: Any = None
    error: BaseException | None = None
    while not isinstance(step := _advance(op, reply, error), _Finished):
        try:
            reply, error = await _aperform(client, step), None
        except Exception as exc:
            reply, error = None, exc
    return step.value


async def _aperform(client: Any, step: Step) -> Any:
    if isinstance(step, Call):
        return await getattr(client, step.name)(*step.args, **step.kwargs)
    if isinstance(step, Offload):
        return await asyncio.to_thread(step.work)
    async with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(*step.watches)
                value = await arun(pipe, step.body(pipe))
                await pipe.execute()
                return value
            except redis.WatchError:
                continue


class Store:
    """What every store holds: a binary-safe Redis client and its key names."""

    redis: Any

    def __init__(self, client: Any, namespace: str = DEFAULT_NAMESPACE) -> None:
        require_binary(client)
        self.redis = client
        self.keys = Keys(namespace)


class SyncStore(Store):
    """Operations run to completion before the method returns."""

    redis: redis.Redis

    def drive(self, action: str, op: Op[T]) -> T:
        with redis_guard(action):
            return run(self.redis, op)


class AsyncStore(Store):
    """Operations are coroutines for an event loop."""

    redis: aioredis.Redis

    async def drive(self, action: str, op: Op[T]) -> T:
        with redis_guard(action):
            return await arun(self.redis, op)


class Operation(Generic[S, P, T]):
    """A store operation declared once: a method of sync and async stores alike."""

    def __init__(self, build: Callable[Concatenate[S, P], Op[T]], action: str) -> None:
        self.build = build
        self.action = action
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, store: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, store: SyncStore, owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(self, store: AsyncStore, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, store: Any, owner: type[Any]) -> Any:
        if store is None:
            return self

        def bound(*args: Any, **kwargs: Any) -> Any:
            return store.drive(self.action, self.build(store, *args, **kwargs))

        bound.__doc__ = self.__doc__
        bound.__name__ = self.build.__name__
        return bound


def operation(
    action: str,
) -> Callable[[Callable[Concatenate[S, P], Op[T]]], Operation[S, P, T]]:
    """Declare a store operation; ``action`` names it in the error raised when Redis is down
    ("Redis is unreachable while trying to <action>")."""

    def declare(build: Callable[Concatenate[S, P], Op[T]]) -> Operation[S, P, T]:
        return Operation(build, action)

    return declare
