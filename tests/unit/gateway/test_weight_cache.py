"""The gateway's weight-figure cache: a replica's answer fetched once per version and figure,
even under a burst; errors passed on and not kept; the table bounded in bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from spikeglyph_gateway.upstream import Upstream
from spikeglyph_gateway.weight_cache import WeightFigureCache, figures_path


class CountingReplicas:
    """Answers every figure with its path; a version named ``gone`` is 404."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Mapping[str, str]]] = []

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        params: Mapping[str, str],
    ) -> Upstream:
        assert method == "GET" and headers["x-request-id"] == "req-1"
        self.calls.append((path, params))
        await asyncio.sleep(0.01)  # let concurrent requests pile up behind the first
        if "/gone/" in path:
            return Upstream(404, {"content-type": "application/json"}, b'{"error": {}}')
        return Upstream(200, {}, path.encode() + b"|" + b"x" * 100)


def test_a_burst_of_requests_fetches_each_answer_once() -> None:
    replicas = CountingReplicas()
    cache = WeightFigureCache(replicas)

    async def burst() -> list[Upstream]:
        jsons = [cache.figures("v1", False, "req-1") for _ in range(8)]
        pngs = [cache.png("v1", "exc", False, "req-1") for _ in range(3)]
        diffs = [cache.figures("v1", True, "req-1") for _ in range(2)]
        first = await asyncio.gather(*jsons, *pngs, *diffs)
        again = await cache.figures("v1", False, "req-1")
        return [*first, again]

    answers = asyncio.run(burst())
    assert replicas.calls == [
        ("/v1/models/v1/weights", {}),
        ("/v1/models/v1/weights/exc.png", {}),
        ("/v1/models/v1/weights", {"diff": "true"}),
    ]
    assert len({a.content for a in answers[:8]} | {answers[-1].content}) == 1
    assert answers[8].content.startswith(b"/v1/models/v1/weights/exc.png")


def test_an_error_answer_is_passed_on_and_asked_again_next_time() -> None:
    replicas = CountingReplicas()
    cache = WeightFigureCache(replicas)

    async def twice() -> list[Upstream]:
        return [await cache.figures("gone", False, "req-1") for _ in range(2)]

    answers = asyncio.run(twice())
    assert [a.status_code for a in answers] == [404, 404]
    assert len(replicas.calls) == 2 and cache.cached_bytes == 0


def test_the_least_recently_used_answers_go_when_the_bytes_run_out() -> None:
    replicas = CountingReplicas()
    size = len(figures_path("a")) + 101
    cache = WeightFigureCache(replicas, max_bytes=2 * size)

    async def visit() -> None:
        for version in ("a", "b", "a", "c", "a", "b"):
            await cache.figures(version, False, "req-1")

    asyncio.run(visit())
    # a, b kept; a touched; c pushes b out; a still kept; b fetched again
    assert [path for path, _ in replicas.calls] == [figures_path(v) for v in ("a", "b", "c", "b")]
    assert cache.cached_bytes <= 2 * size


def test_a_version_id_is_one_path_segment() -> None:
    assert figures_path("a/b c") == "/v1/models/a%2Fb%20c/weights"
    assert figures_path("v", "conv1") == "/v1/models/v/weights/conv1.png"
