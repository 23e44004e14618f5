"""SpikeGlyph gateway service."""
