"""The Python client of the SpikeGlyph gateway, typed with :mod:`spikeglyph.schemas`.

``SpikeGlyphClient`` blocks; ``AsyncSpikeGlyphClient`` is its asyncio twin. Both raise
:class:`SpikeGlyphAPIError` (``status``, ``code``, ``message``) for any error the API answers.
"""

from spikeglyph.client.aio import AsyncSpikeGlyphClient
from spikeglyph.client.errors import SpikeGlyphAPIError, SpikeGlyphConnectionError
from spikeglyph.client.images import ImageInput
from spikeglyph.client.sync import SpikeGlyphClient

__all__ = [
    "AsyncSpikeGlyphClient",
    "ImageInput",
    "SpikeGlyphAPIError",
    "SpikeGlyphClient",
    "SpikeGlyphConnectionError",
]
