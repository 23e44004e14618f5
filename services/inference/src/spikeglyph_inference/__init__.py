"""SpikeGlyph inference service."""
