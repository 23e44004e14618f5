"""Training recipes: the one typed source of every training default (torch-free).

* :mod:`.specs`, :mod:`.stdp_specs` — network, encoder and augmentation specs;
* :mod:`.recipes` — :class:`Recipe` (surrogate gradients), :class:`StdpRecipe` and the shipped
  models' recipes as defaults (:func:`default_recipe`, :func:`default_stdp_recipe`);
* :mod:`.overrides` — :func:`resolve`: a recipe with the CLI's or a job's changes;
* :mod:`.derive` — the recipes of ``finetune`` and ``neurogenesis``, derived from their base
  model's;
* :mod:`.records` — a model's recipe from its manifest (older manifests converted), and
  recipe files (imported on its own: it reads model directories).
"""

from spikeglyph.recipe.derive import (
    FINETUNE,
    NEUROGENESIS,
    FinetuneRule,
    NeurogenesisRule,
    finetune_recipe,
    neurogenesis_recipe,
    recipe_changes,
)
from spikeglyph.recipe.overrides import RecipeOverrides, default_text, recipe_defaults, resolve
from spikeglyph.recipe.recipes import (
    DEFAULT_ARCH,
    DEFAULT_DATASET,
    AnyRecipe,
    Recipe,
    StdpRecipe,
    default_augment,
    default_recipe,
    default_stdp_recipe,
    parse_recipe,
)
from spikeglyph.recipe.specs import ArchSpec, AugmentSpec, EncoderSpec, NeuronSpec, default_arch
from spikeglyph.recipe.stdp_specs import StdpGrowth, StdpRule, StdpSpec

__all__ = [
    "DEFAULT_ARCH",
    "DEFAULT_DATASET",
    "FINETUNE",
    "NEUROGENESIS",
    "AnyRecipe",
    "ArchSpec",
    "AugmentSpec",
    "EncoderSpec",
    "FinetuneRule",
    "NeurogenesisRule",
    "NeuronSpec",
    "Recipe",
    "RecipeOverrides",
    "StdpGrowth",
    "StdpRecipe",
    "StdpRule",
    "StdpSpec",
    "default_arch",
    "default_augment",
    "default_recipe",
    "default_stdp_recipe",
    "default_text",
    "finetune_recipe",
    "neurogenesis_recipe",
    "parse_recipe",
    "recipe_changes",
    "recipe_defaults",
    "resolve",
]
