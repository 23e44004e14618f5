"""The documents beyond BENCHMARKS.md: the models' cards follow their manifests, and a table
quoted by a second document is the same generated text in both, checked in both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import report
from reporting.regions import find_regions
from reporting.registry import DOCUMENTS

from tests.unit.docs.payloads import PAYLOADS

BENCHMARKS = "docs/BENCHMARKS.md"
RELIABILITY = "docs/RELIABILITY.md"


@pytest.fixture()
def consistent_copy(repo_copy: Path) -> Path:
    assert report.main(["--root", str(repo_copy)]) == 0
    return repo_copy


def _region(root: Path, document: str, name: str) -> str:
    text = (root / document).read_text()
    region = next(r for r in find_regions(text, document) if r.name == name)
    return text[region.start : region.end]


def test_every_listed_document_holds_a_generated_region() -> None:
    repo = Path(__file__).resolve().parents[3]
    for document in DOCUMENTS:
        assert find_regions((repo / document).read_text(), document), document


def test_a_table_quoted_by_two_documents_is_the_same_text_in_both(consistent_copy: Path) -> None:
    for name in ("load", "memory", "fuzz", "faults"):
        quoted = _region(consistent_copy, RELIABILITY, name)
        assert quoted == _region(consistent_copy, BENCHMARKS, name)
        assert f"docs/bench/{name}.json" in quoted  # its table or its not-measured line


def test_an_edit_to_the_quoted_copy_alone_is_named_by_the_check(
    consistent_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = consistent_copy / RELIABILITY
    text = path.read_text()
    region = _region(consistent_copy, RELIABILITY, "fuzz")
    assert "| gateway |" in region
    path.write_text(text.replace(region, region.replace("| gateway |", "| gateway (edited) |")))

    assert report.main(["--check", "--root", str(consistent_copy)]) == 1
    out = capsys.readouterr().out
    assert f"{RELIABILITY}: region 'fuzz' differs" in out
    assert f"{BENCHMARKS}: region 'fuzz'" not in out

    assert report.main(["--root", str(consistent_copy)]) == 0
    assert "| gateway |" in _region(consistent_copy, RELIABILITY, "fuzz")


def _edit_manifest(root: Path, model: str, **metrics: float) -> None:
    path = root / "models" / model / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["metrics"].update(metrics)
    path.write_text(json.dumps(manifest))


def test_a_model_card_follows_its_manifest(consistent_copy: Path) -> None:
    _edit_manifest(consistent_copy, "mnist", test_accuracy=0.9901, train_seconds=600.0)

    assert report.main(["--check", "--root", str(consistent_copy)]) == 1
    assert report.main(["--root", str(consistent_copy)]) == 0
    card = _region(consistent_copy, "docs/MODELS.md", "model-mnist")
    assert "**99.01 % test accuracy**" in card
    assert "Training loop: **10.0 min**" in card
    assert "*From* `models/mnist/manifest.json`." in card
    # the accuracy table of BENCHMARKS.md reads the same manifest
    assert "**99.01 %**" in _region(consistent_copy, BENCHMARKS, "accuracy")


def test_the_stdp_card_shows_the_vote_model_s_own_figures(consistent_copy: Path) -> None:
    _edit_manifest(consistent_copy, "mnist-stdp", test_accuracy=0.9, val_spikes_per_image=12.25)

    assert report.main(["--root", str(consistent_copy)]) == 0
    card = _region(consistent_copy, "docs/STDP.md", "model-mnist-stdp")
    assert "**90.00 % test accuracy** (reported only)" in card
    assert "Served: 12.2 excitatory spikes per validation image" in card
    assert "400 excitatory neurons, T = 100" in card


def test_a_card_without_its_model_says_how_to_train_it(consistent_copy: Path) -> None:
    (consistent_copy / "models" / "mnist-spikes" / "manifest.json").unlink()

    assert report.main(["--root", str(consistent_copy)]) == 0
    card = _region(consistent_copy, "docs/MODELS.md", "model-mnist-spikes")
    assert "*No shipped model* `models/mnist-spikes/manifest.json`" in card


def test_the_register_ranges_render_per_layer_in_thresholds(repo_copy: Path) -> None:
    machine = {"cores": 2, "date": "2026-12-04 10:00 UTC", "commit": "abc1234"}
    payload = {"bench": "fixedpoint", "schema": 1, "machine": machine, **PAYLOADS["fixedpoint"]}
    (repo_copy / "docs" / "bench" / "fixedpoint.json").write_text(json.dumps(payload))

    assert report.main(["--root", str(repo_copy)]) == 0
    ranges = _region(repo_copy, "docs/STDP.md", "fixedpoint-ranges")
    # 54,829 / 4,917 = 11.2 thresholds of current, 78,222 / 4,917 = 15.9 of membrane; shift 6;
    # the payload's test saturation of conv1: half of 3.66 % of current writes, no membrane
    assert "| `mnist-conv-x` | conv1 | 4,917 | 19 | 11.2 (17 bits) | 15.9 (18 bits) | 6 | " in (
        ranges
    )
    assert "| 1.8 % / none |" in ranges
    assert "(current 9, membrane 10 bits)" in ranges
