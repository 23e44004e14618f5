"""Every published benchmark figure agrees with the committed JSON it is generated from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import report
from reporting.regions import find_regions, reconcile
from reporting.registry import DOCUMENTS, REGIONS

REPO = Path(__file__).resolve().parents[3]
BENCHMARKS = "docs/BENCHMARKS.md"


@pytest.fixture()
def consistent_copy(repo_copy: Path) -> Path:
    """The copy regenerated first, so a test sees only the change it makes itself (the
    committed files' own agreement is the first test's business)."""
    assert report.main(["--root", str(repo_copy)]) == 0
    return repo_copy


def _region_text(text: str, name: str) -> str:
    region = next(r for r in find_regions(text, "document") if r.name == name)
    return text[region.start : region.end]


def test_committed_documents_match_their_json() -> None:
    differences, src = reconcile(REPO, DOCUMENTS, REGIONS, write=False)
    stale = [f"{d.document}: {d.region}\n{d.diff}" for d in differences]
    assert not stale, "regenerate with `python bench/report.py`:\n" + "\n".join(stale)
    assert not src.fallbacks, f"a renderer no longer recognises its JSON: {src.fallbacks}"


def test_an_altered_number_in_a_table_is_named_by_the_check(
    consistent_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = json.loads((consistent_copy / "models/mnist/manifest.json").read_text())
    shown = f"**{100 * manifest['metrics']['test_accuracy']:.2f} %**"
    path = consistent_copy / BENCHMARKS
    text = path.read_text()
    assert shown in _region_text(text, "accuracy")
    path.write_text(text.replace(shown, "**99.99 %**", 1))

    assert report.main(["--check", "--root", str(consistent_copy)]) == 1
    out = capsys.readouterr().out
    assert f"{BENCHMARKS}: region 'accuracy' differs" in out
    assert "+| `models/mnist`" in out  # the diff shows the rendered row
    assert "region 'summary'" not in out  # only the altered region is named


def test_regenerating_restores_the_table_and_leaves_prose_alone(consistent_copy: Path) -> None:
    path = consistent_copy / BENCHMARKS
    original = path.read_text()
    tampered = original.replace("| model |", "| model (edited) |", 1)
    prose = "\nA sentence of prose outside every region, kept as written.\n"
    path.write_text(prose + tampered)

    assert report.main(["--root", str(consistent_copy)]) == 0
    assert path.read_text() == prose + original
    assert report.main(["--check", "--root", str(consistent_copy)]) == 0


def test_a_missing_json_renders_the_command_and_is_still_compared(
    consistent_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (consistent_copy / "docs/bench/import.json").unlink(missing_ok=True)
    (consistent_copy / "docs/bench").mkdir(parents=True, exist_ok=True)
    was_measured = "Not measured yet" not in _region_text(
        (consistent_copy / BENCHMARKS).read_text(), "import"
    )
    status = report.main(["--check", "--root", str(consistent_copy)])
    assert status == (1 if was_measured else 0)

    assert report.main(["--root", str(consistent_copy)]) == 0
    region = _region_text((consistent_copy / BENCHMARKS).read_text(), "import")
    assert "*Not measured yet* (run: `python bench/bench_import.py`" in region
    summary = _region_text((consistent_copy / BENCHMARKS).read_text(), "summary")
    assert (
        "| Torch-free core imports in under a second, without torch | — | not measured yet |"
        in (summary)
    )
    capsys.readouterr()
    assert report.main(["--check", "--root", str(consistent_copy)]) == 0


def _write_bench(root: Path, name: str, payload: dict[str, object]) -> None:
    path = root / "docs" / "bench" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"bench": name, "schema": 1, **payload}))


def _summary_row(root: Path, claim: str) -> str:
    summary = _region_text((root / BENCHMARKS).read_text(), "summary")
    return next(line for line in summary.splitlines() if line.startswith(f"| {claim} |"))


def test_the_summary_judges_each_target_from_its_json(repo_copy: Path) -> None:
    modules = {"spikeglyph": {"import_ms_median": 1.0, "import_ms_max": 2.0,
                              "process_ms_median": 20.0, "pulls": ["torch"]}}  # fmt: skip
    _write_bench(repo_copy, "import", {
        "repeat": 3, "modules": modules, "core_slowest_import_ms": 1.0, "core_pulls_torch": True,
    })  # fmt: skip
    steady = {"scenario": "steady", "clients": 64, "replicas": 1, "seconds": 15.2,
              "requests": 9000, "failed": 0, "throughput_rps": 600.0, "p50_ms": 50.0,
              "p95_ms": 90.0, "p99_ms": 120.0, "max_ms": 200.0, "accuracy": 0.99,
              "versions": {}, "failures": {}}  # fmt: skip
    _write_bench(repo_copy, "load", {"scenarios": ["steady"], "reports": [steady]})

    assert report.main(["--root", str(repo_copy)]) == 0
    assert "| **not met** |" in _summary_row(
        repo_copy, "Torch-free core imports in under a second, without torch"
    )
    steady_row = _summary_row(
        repo_copy, "64 clients × 60 s through the gateway: 0 errors, p99 ≤ 250 ms"
    )
    assert "**met** (15 s instead of 60)" in steady_row
    faults_row = _summary_row(
        repo_copy, "Hot swap and replica loss under load: zero failed requests"
    )
    assert "| measured (neither scenario in this run) |" in faults_row


def test_a_json_whose_layout_changed_is_rendered_generically_and_reported(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_bench(repo_copy, "fixedpoint", {"accuracy": {"float": 0.99, "fixed": 0.98}})

    assert report.main(["--root", str(repo_copy)]) == 0
    region = _region_text((repo_copy / BENCHMARKS).read_text(), "fixedpoint")
    assert "| `accuracy.fixed` | 0.98 |" in region
    assert "docs/bench/fixedpoint.json" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t.replace("<!-- /generated:import -->", "", 1), "has no line"),
        (
            lambda t: t + "\n<!-- generated:nowhere -->\n<!-- /generated:nowhere -->\n",
            "no renderer",
        ),
        (lambda t: t.replace("<!-- generated:fuzz -->", "<!-- fuzz -->", 1), "closes no region"),
        (  # a region only BENCHMARKS.md shows (fuzz is quoted by RELIABILITY.md too)
            lambda t: t.replace("<!-- /generated:upstream -->", "", 1).replace(
                "<!-- generated:upstream -->", "", 1
            ),
            "no region in",
        ),
    ],
)
def test_broken_markers_are_refused_with_the_region_named(
    repo_copy: Path, capsys: pytest.CaptureFixture[str], damage: object, message: str
) -> None:
    path = repo_copy / BENCHMARKS
    path.write_text(damage(path.read_text()))  # type: ignore[operator]

    assert report.main(["--check", "--root", str(repo_copy)]) == 2
    assert message in capsys.readouterr().err
