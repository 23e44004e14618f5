"""The architecture specs, under their training-side name.

They are defined in :mod:`spikeglyph.recipe.specs` (torch-free: a recipe is made of them).
"""

from spikeglyph.recipe.specs import SURROGATES, ArchSpec, EncoderSpec, NeuronSpec, default_arch

__all__ = ["SURROGATES", "ArchSpec", "EncoderSpec", "NeuronSpec", "default_arch"]
