"""Request ids (spikeglyph.logs) and the post-start-up heap freeze (spikeglyph.server.heap)."""

from __future__ import annotations

import gc

from spikeglyph.logs import new_request_id
from spikeglyph.server.heap import settle_heap


def test_request_ids_are_32_hex_digits_and_differ() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_settle_heap_freezes_what_exists_at_start_up() -> None:
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
