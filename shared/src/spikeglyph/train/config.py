"""The training configuration is the recipe, :class:`spikeglyph.recipe.Recipe`.

``TrainConfig`` is the name code written before recipes existed imports; new code uses
``Recipe``.
"""

from spikeglyph.recipe.recipes import Recipe

TrainConfig = Recipe

__all__ = ["TrainConfig"]
