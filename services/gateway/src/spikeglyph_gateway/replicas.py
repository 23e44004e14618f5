"""Health-aware routing of prediction requests to the inference replicas.

A background probe polls every replica's ``/readyz``; requests go to the ready replica with
the fewest requests in flight (ties broken round robin). Predictions are idempotent, so when a
replica cannot be reached or answers a server error the same bytes are sent to the next one:
a replica dying mid-stream costs its callers a retry, never an error.

A configured ``http://`` URL whose host is a name (not an address, not ``localhost``) is
resolved before every probe round, and each IPv4 address it has becomes a replica of its own:
``docker compose up --scale inference=3`` behind the one name ``inference`` gives the gateway
three replicas, each probed, balanced and retried on its own, and the set follows scaling up
and down. When a name cannot be resolved the replicas last seen for it are kept (or the name
itself, at first).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from spikeglyph.errors import NoReplicaAvailable
from spikeglyph_gateway.upstream import Transport, Upstream, UpstreamBusy, UpstreamUnreachable

log = logging.getLogger(__name__)

# Statuses that say "this replica cannot answer now", not "your request is wrong".
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


Resolver = Callable[[str], Awaitable[list[str]]]


@dataclass
class Replica:
    url: str
    ready: bool = True  # optimistic until the first probe: a fresh gateway must serve at once
    inflight: int = 0
    failures: int = 0
    target: str = field(default="")  # the configured URL it came from ("" = the URL itself)


async def resolve_ipv4(host: str) -> list[str]:
    """The IPv4 addresses of ``host`` (sorted, without repeats)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, None, family=socket.AF_INET, type=socket.SOCK_STREAM
    )
    return sorted({str(info[4][0]) for info in infos})


def expandable_host(url: str) -> str | None:
    """The host name of an ``http://`` URL worth resolving into replicas, else None."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme != "http" or not host or host == "localhost":
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return None


def with_address(url: str, address: str) -> str:
    parts = urlsplit(url)
    netloc = address if parts.port is None else f"{address}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


class ReplicaPool:
    """The inference replicas behind one gateway, with their readiness and load."""

    def __init__(
        self,
        urls: list[str],
        transport: Transport,
        probe_interval_s: float = 1.0,
        probe_timeout_s: float = 1.0,
        on_retry: Callable[[str], None] | None = None,
        resolve: Resolver | None = None,
    ) -> None:
        self.targets = list(urls)
        self.replicas = [Replica(url, target=url) for url in urls]
        self._resolve = resolve
        self._transport = transport
        self._probe_interval_s = probe_interval_s
        self._probe_timeout_s = probe_timeout_s
        self._on_retry = on_retry
        self._turn = itertools.count()
        self._probe_task: asyncio.Task[None] | None = None

    # --- readiness ----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.refresh()
        await self.probe_all()
        self._probe_task = asyncio.create_task(self._probe_forever(), name="replica-probe")

    async def stop(self) -> None:
        if self._probe_task is not None:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task

    async def probe_all(self) -> None:
        await asyncio.gather(*(self._probe(replica) for replica in self.replicas))

    async def refresh(self) -> None:
        """Re-resolve the configured names into replicas (keeping the state of known ones)."""
        if self._resolve is None:
            return
        known = {replica.url: replica for replica in self.replicas}
        fresh: list[Replica] = []
        for target in self.targets:
            for replica in await self._replicas_of(target, known):
                if all(replica.url != seen.url for seen in fresh):  # two names, one address
                    fresh.append(replica)
        if [r.url for r in fresh] != [r.url for r in self.replicas]:
            log.info("inference replicas: %s", ", ".join(r.url for r in fresh))
        self.replicas = fresh

    async def _replicas_of(self, target: str, known: dict[str, Replica]) -> list[Replica]:
        host = expandable_host(target)
        addresses: list[str] = []
        if host is not None and self._resolve is not None:
            try:
                async with asyncio.timeout(self._probe_timeout_s):
                    addresses = await self._resolve(host)
            except (OSError, TimeoutError) as exc:
                log.debug("could not resolve %s (%s); keeping its replicas", host, exc)
                previous = [r for r in known.values() if r.target == target]
                return previous or [Replica(target, target=target)]
        urls = [with_address(target, address) for address in addresses] or [target]
        return [known.get(url) or Replica(url, target=target) for url in urls]

    async def _probe(self, replica: Replica) -> None:
        try:
            response = await self._transport.request(
                "GET", f"{replica.url}/readyz", timeout_s=self._probe_timeout_s
            )
            ready = response.status_code == 200
        except (UpstreamUnreachable, UpstreamBusy):
            ready = False
        if ready != replica.ready:
            log.info("replica %s is now %s", replica.url, "ready" if ready else "not ready")
        replica.ready = ready

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self._probe_interval_s)
            try:
                await self.refresh()
                await self.probe_all()
            except Exception:  # a probe bug must not stop probing for good
                log.exception("replica probe failed")

    def any_ready(self) -> bool:
        return any(replica.ready for replica in self.replicas)

    # --- routing ------------------------------------------------------------------------------
    def order(self) -> list[Replica]:
        """Ready replicas, least loaded first (round robin on ties), then the rest as a fallback.

        Unready replicas stay at the back rather than out: the probe may be a second stale,
        and trying a replica that has just come back beats refusing the request.
        """
        turn = next(self._turn)
        count = len(self.replicas)
        rotated = [self.replicas[(turn + i) % count] for i in range(count)]
        return sorted(rotated, key=lambda replica: (not replica.ready, replica.inflight))

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        params: Mapping[str, str],
    ) -> Upstream:
        """Send one request to the best replica, moving on to the next when it fails."""
        last_error = "no inference replica is configured"
        last_response: Upstream | None = None
        for attempt, replica in enumerate(self.order()):
            if attempt:
                self._count_retry(replica)
            replica.inflight += 1
            try:
                response = await self._transport.request(
                    method, f"{replica.url}{path}", content=content, headers=headers, params=params
                )
            except UpstreamBusy:
                # Our own connection pool is exhausted: the gateway is overloaded, not the
                # replica; another replica would wait on the same pool.
                raise NoReplicaAvailable(
                    "the gateway has too many predictions in flight", retry_after_s=1
                ) from None
            except UpstreamUnreachable as exc:
                replica.ready = False
                replica.failures += 1
                last_error = f"{exc} from {replica.url}"
                log.warning("replica %s failed (%s); trying another", replica.url, last_error)
                continue
            finally:
                replica.inflight -= 1
            if response.status_code == 401:
                # The replica refused our internal token: a configuration fault between the
                # services, never the caller's; they get a 503 rather than a 401 to puzzle over.
                replica.failures += 1
                last_error = f"{replica.url} refused the internal token"
                log.error("%s: SPIKEGLYPH_INTERNAL_TOKEN differs from the replica's", last_error)
                continue
            if response.status_code in RETRYABLE_STATUSES:
                replica.failures += 1
                if response.status_code in (502, 503):
                    replica.ready = False
                last_error = f"status {response.status_code} from {replica.url}"
                log.warning("replica %s answered %s; trying another", replica.url, last_error)
                last_response = response
                continue
            return response
        if last_response is not None:
            # Every replica answered, all with a server error: pass the last answer through
            # (it carries the uniform body and, for 503, its own Retry-After).
            return last_response
        raise NoReplicaAvailable(
            f"no inference replica could answer ({last_error})", retry_after_s=1
        )

    def _count_retry(self, replica: Replica) -> None:
        if self._on_retry is not None:
            self._on_retry(replica.url)
