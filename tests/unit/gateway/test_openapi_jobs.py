"""The gateway's OpenAPI document lists each job kind's parameters with the recipe's defaults."""

from __future__ import annotations

from spikeglyph.recipe import FINETUNE, default_recipe, default_stdp_recipe
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings


def test_openapi_shows_the_training_recipes_defaults_for_train_jobs() -> None:
    schemas = create_app(GatewaySettings()).openapi()["components"]["schemas"]
    assert {"TrainParams", "FinetuneParams", "NeurogenesisParams", "EvaluateParams"} <= set(schemas)
    train = schemas["TrainParams"]["properties"]
    epochs = train["epochs"]["x-recipe-defaults"]
    assert epochs["mnist/conv"] == default_recipe("mnist").epochs
    assert epochs["fashion-mnist/conv"] == default_recipe("fashion-mnist").epochs
    assert epochs["mnist/stdp"] == default_stdp_recipe().epochs
    assert train["lr"]["x-recipe-defaults"]["mnist/conv"] == default_recipe().lr
    assert str(default_recipe().lr) in train["lr"]["description"]
    assert train["epochs"]["default"] is None  # unset: the recipe decides, per dataset
    assert schemas["FinetuneParams"]["properties"]["epochs"]["default"] == FINETUNE.epochs
