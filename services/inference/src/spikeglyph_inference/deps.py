"""Typed dependencies the routes take as parameters (built in the app lifespan).

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool,
a thread hand-off per dependency per request for what is an attribute lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from spikeglyph_inference.batcher import MicroBatcher
from spikeglyph_inference.metrics import Metrics
from spikeglyph_inference.model_holder import ModelHolder
from spikeglyph_inference.predictor import Predictor
from spikeglyph_inference.settings import Settings
from spikeglyph_inference.versions import VersionRunners
from spikeglyph_inference.weight_cache import WeightFigureCache


@dataclass(frozen=True)
class Service:
    """Everything one running inference app holds, created by its lifespan."""

    settings: Settings
    metrics: Metrics
    holder: ModelHolder
    batcher: MicroBatcher
    predictor: Predictor
    versions: VersionRunners
    figures: WeightFigureCache  # weight figures of published versions, drawn once each


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_predictor(service: Annotated[Service, Depends(get_service)]) -> Predictor:
    return service.predictor


async def get_holder(service: Annotated[Service, Depends(get_service)]) -> ModelHolder:
    return service.holder


async def get_figures(service: Annotated[Service, Depends(get_service)]) -> WeightFigureCache:
    return service.figures


SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
PredictorDep = Annotated[Predictor, Depends(get_predictor)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
ServiceDep = Annotated[Service, Depends(get_service)]
FiguresDep = Annotated[WeightFigureCache, Depends(get_figures)]
