"""The Python client of the SpikeGlyph gateway, typed with :mod:`spikeglyph.schemas`.

``SpikeGlyphClient`` blocks; ``AsyncSpikeGlyphClient`` is its asyncio twin, with the same
methods (each defined once, in :mod:`spikeglyph.client.calls`). Both raise
:class:`SpikeGlyphAPIError` (``status``, ``code``, ``message``) for any error the API answers,
and retry the calls that may safely be repeated as :class:`RetryPolicy` says.
"""

from spikeglyph.client.aio import AsyncSpikeGlyphClient
from spikeglyph.client.errors import SpikeGlyphAPIError, SpikeGlyphConnectionError
from spikeglyph.client.images import ImageInput
from spikeglyph.client.retries import RetryPolicy
from spikeglyph.client.sync import SpikeGlyphClient

__all__ = [
    "AsyncSpikeGlyphClient",
    "ImageInput",
    "RetryPolicy",
    "SpikeGlyphAPIError",
    "SpikeGlyphClient",
    "SpikeGlyphConnectionError",
]
