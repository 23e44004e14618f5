"""What a long-running service process does once it has started, for steadier latency."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Call once a service has started: move everything made so far (modules, the app, the
    model) out of the garbage collector's sight with :func:`gc.freeze`, so the full collections
    that would otherwise walk it every few thousand requests no longer pause answers."""
    gc.collect()
    gc.freeze()
