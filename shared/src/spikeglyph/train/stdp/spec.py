"""The STDP network's spec, under its training-side name.

Defined in :mod:`spikeglyph.recipe.stdp_specs` (torch-free: an STDP recipe is made of it).
"""

from spikeglyph.recipe.stdp_specs import StdpRule, StdpSpec

__all__ = ["StdpRule", "StdpSpec"]
