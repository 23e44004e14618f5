"""Which model a job works on: a named version, the active one, or the shipped default.

On a fresh install nothing is published yet and inference serves the embedded default from
``models/<default_dataset>``; users correct *that* model, so evaluating and finetuning fall back
to it too (its finetuned child is published and, if promoted, activated like any other).
"""

from __future__ import annotations

from pathlib import Path

from spikeglyph.errors import ModelNotFound
from spikeglyph.modeldir import MANIFEST_NAME, Manifest, load_manifest
from spikeglyph_trainer.jobs.context import JobContext


def resolve_model(ctx: JobContext, requested: str | None) -> tuple[Path, Manifest]:
    """Directory and verified manifest of ``requested``, else the active, else the default."""
    if requested is not None:
        return ctx.registry.load_verified(requested)
    active = ctx.registry.active_version()
    if active is not None:
        return ctx.registry.load_verified(active)
    embedded = ctx.settings.models_dir / ctx.settings.default_dataset
    if (embedded / MANIFEST_NAME).is_file():
        return embedded, load_manifest(embedded)
    raise ModelNotFound("no model version is active yet: train one or name a version")
