"""SpikeGlyph trainer service."""
