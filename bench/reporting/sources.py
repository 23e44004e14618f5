"""The committed JSON the report reads: bench results and shipped model manifests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

# Families made from another shipped model rather than by a training recipe.
NOT_FROM_RECIPES = frozenset({"rstdp"})


class ReportError(Exception):
    """The documents or their JSON cannot be reconciled (bad markers, unreadable JSON)."""


@dataclass
class Sources:
    """Reads ``docs/bench/*.json`` and ``models/*/manifest.json`` under ``root``, once each.

    ``root`` is the repository root; tests point it at a temporary copy.
    """

    root: Path
    # Bench results a renderer did not recognise and rendered generically (see from_bench).
    fallbacks: list[str] = field(default_factory=list)
    _cache: dict[Path, Doc | None] = field(default_factory=dict, repr=False)

    @property
    def bench_dir(self) -> Path:
        return self.root / "docs" / "bench"

    def _read(self, path: Path) -> Doc | None:
        if path not in self._cache:
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                self._cache[path] = None
                return None
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ReportError(f"{path}: not valid JSON ({exc})") from exc
            if not isinstance(loaded, dict):
                raise ReportError(f"{path}: expected one JSON object")
            self._cache[path] = loaded
        return self._cache[path]

    def bench(self, name: str) -> Doc | None:
        """``docs/bench/<name>.json``, or None when that bench has not been committed."""
        return self._read(self.bench_dir / f"{name}.json")

    def bench_names(self, prefix: str) -> list[str]:
        """Names of the committed bench results starting with ``prefix``, sorted."""
        return sorted(path.stem for path in self.bench_dir.glob(f"{prefix}*.json"))

    def model_names(self) -> list[str]:
        """Directories under ``models/`` that hold a manifest, sorted."""
        return sorted(path.parent.name for path in (self.root / "models").glob("*/manifest.json"))

    def recipe_model_names(self) -> list[str]:
        """The shipped models a training recipe makes (``spikeglyph train``), which
        ``bench/reproduce_models.py`` re-runs: all but R-STDP readouts, which ``spikeglyph
        readout`` makes from another shipped model."""
        return [
            name
            for name in self.model_names()
            if (self.manifest(name) or {}).get("family") not in NOT_FROM_RECIPES
        ]

    def manifest(self, model: str) -> Doc | None:
        """``models/<model>/manifest.json``, or None when there is no such shipped model."""
        return self._read(self.root / "models" / model / "manifest.json")
