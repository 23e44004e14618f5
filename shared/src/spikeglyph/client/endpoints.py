"""Client methods made from the :mod:`~spikeglyph.client.calls` builders.

``Endpoint(calls.predict)`` on a client class is a method with ``calls.predict``'s arguments
and docstring whose body is the client's one sender, ``_run``. The same attribute serves both
clients, and mypy reads its type from the builder: ``SpikeGlyphClient.predict(...)`` returns a
``Prediction`` and ``AsyncSpikeGlyphClient.predict(...)`` an ``Awaitable[Prediction]``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, overload

from spikeglyph.client.calls import Call

if TYPE_CHECKING:
    from spikeglyph.client.aio import AsyncSpikeGlyphClient
    from spikeglyph.client.sync import SpikeGlyphClient

P = ParamSpec("P")
T = TypeVar("T")


class Sender(Protocol):
    """A client: something that sends a :class:`Call` and reads its answer."""

    def _run(self, call: Call[Any], /) -> Any: ...


class Endpoint(Generic[P, T]):
    """A client method: build the call with the caller's arguments, hand it to ``_run``."""

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Endpoint[P, T]: ...

    @overload
    def __get__(self, client: SpikeGlyphClient, owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, client: AsyncSpikeGlyphClient, owner: type[Any]
    ) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, client: Sender | None, owner: type[Any]) -> Any:
        if client is None:
            return self  # looked up on the class (help(), the docs)
        build, run = self.build, client._run

        @functools.wraps(build)
        def method(*args: P.args, **kwargs: P.kwargs) -> Any:
            return run(build(*args, **kwargs))

        return method
