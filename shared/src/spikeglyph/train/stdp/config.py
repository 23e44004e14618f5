"""An STDP run's configuration is its recipe, :class:`spikeglyph.recipe.StdpRecipe`.

``StdpTrainConfig`` is the name code written before recipes existed imports; new code uses
``StdpRecipe``.
"""

from spikeglyph.recipe.recipes import StdpRecipe

StdpTrainConfig = StdpRecipe

__all__ = ["StdpTrainConfig"]
