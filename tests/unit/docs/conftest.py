"""The report generator lives with the bench scripts (``bench/reporting``), which are run as
scripts from ``bench/``; put that directory on the path the same way."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BENCH = REPO / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


@pytest.fixture()
def repo_copy(tmp_path: Path) -> Path:
    """The files the report reads and writes, copied: documents, bench JSON, manifests."""
    from reporting.registry import DOCUMENTS

    for document in DOCUMENTS:
        (tmp_path / document).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / document, tmp_path / document)
    if (REPO / "docs" / "bench").is_dir():
        shutil.copytree(REPO / "docs" / "bench", tmp_path / "docs" / "bench")
    for manifest in (REPO / "models").glob("*/manifest.json"):
        target = tmp_path / "models" / manifest.parent.name / "manifest.json"
        target.parent.mkdir(parents=True)
        shutil.copy(manifest, target)
    return tmp_path
