"""The research regions of docs/RESEARCH.md render the layout their benches write today
(``bench_curriculum.py``, ``bench_curriculum_sweep.py``, ``bench_growth.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import report
from reporting.regions import find_regions

RESEARCH = "docs/RESEARCH.md"


def _spread(mean: float, sd: float) -> dict[str, float]:
    return {"mean": mean, "sd": sd}


def _arm(samples: float, val: float, test: float) -> dict[str, Any]:
    run = {"seed": 0, "best_val_accuracy": val, "test_accuracy": test, "curve": [[128, 0.5]]}
    return {
        "runs": [run],
        "reached_target": "3/3",
        "samples_to_target": _spread(samples, 1280.0),
        "best_val_accuracy": _spread(val, 0.002),
        "test_accuracy": _spread(test, 0.001),
    }


CURRICULUM = {
    "setup": {
        "network": "fc 128 (the fc recipe with a narrower hidden layer)",
        "epochs": 5,
        "max_samples": 20000,
        "seeds": [0, 1, 2],
        "every_batches": 10,
        "target_fraction": 0.98,
    },
    "datasets": {
        "mnist": {
            "target_val_accuracy": 0.93,
            "arms": {"off": _arm(42688, 0.949, 0.953), "teacher": _arm(56768, 0.9405, 0.9482)},
        }
    },
}
SWEEP = {
    "setup": {"datasets": ["mnist"], "seeds": [10], "ramp": 0.5},
    "random_order": [{"dataset": "mnist", "seed": 10, "best_val_accuracy": 0.95}],
    "points": [
        {"start": 0.2, "pacing": "root", "runs": [{"dataset": "mnist", "best_val_accuracy": 0.94}],
         "mean_best_val_accuracy": 0.94},
        {"start": 0.5, "pacing": "root", "runs": [{"dataset": "mnist", "best_val_accuracy": 0.945}],
         "mean_best_val_accuracy": 0.945},
    ],
    "choice": {"start": 0.5, "pacing": "root", "ramp": 0.5},
}  # fmt: skip


def _growth_arm(neurons: float, test: float) -> dict[str, Any]:
    return {
        "runs": [],
        "neurons_final": _spread(neurons, 0.0),
        "mean_neurons": _spread(neurons / 2, 1.0),
        "val_accuracy": _spread(test, 0.01),
        "test_accuracy": _spread(test, 0.01),
        "reached_target": "2/3",
        "samples_to_target": _spread(3000, 500),
    }


GROWTH = {
    "setup": {
        "dataset": "mnist", "seeds": [0, 1, 2], "stdp_start": 10, "stdp_max": 100,
        "stdp_images": 6000, "window": 500, "target_fraction": 0.95, "fc_start": 16,
        "stages": 4, "max_samples": 10000, "fc_grow": 16,
    },
    "stdp": {"target_window_accuracy": 0.7, "grown": _growth_arm(100, 0.71),
             "fixed": _growth_arm(100, 0.74), "fixed_from_images": _growth_arm(100, 0.75)},
    "fc": {"grown": _growth_arm(80, 0.9), "fixed": _growth_arm(80, 0.91)},
}  # fmt: skip


def _region(root: Path, name: str) -> str:
    text = (root / RESEARCH).read_text()
    region = next(r for r in find_regions(text, RESEARCH) if r.name == name)
    return text[region.start : region.end]


@pytest.mark.parametrize(
    ("bench", "payload", "region", "shown"),
    [
        (
            "curriculum",
            CURRICULUM,
            "curriculum",
            "| MNIST | curriculum (teacher margin) | 93.00 | 3/3 | 56,768 ± 1,280 | 94.05 ± 0.20 "
            "| 94.82 ± 0.10 |",
        ),
        ("curriculum_sweep", SWEEP, "curriculum-sweep", "| **c₀ = 0.5, root** | 0.5 | 94.50 |"),
        ("growth", GROWTH, "growth", "| grown | STDP | 100.0 ± 0.0 | 50.0 ± 1.0 | 71.00 ± 1.00"),
        ("growth", GROWTH, "growth", "| fixed, weights from training images | STDP | 100.0 ± 0.0"),
    ],
)
def test_each_research_region_renders_its_benchs_layout(
    repo_copy: Path,
    capsys: pytest.CaptureFixture[str],
    bench: str,
    payload: dict[str, Any],
    region: str,
    shown: str,
) -> None:
    machine = {"cores": 2, "date": "2026-12-05 10:00 UTC", "commit": "abc1234"}
    machine["command"] = f"python bench/{bench}.py"
    path = repo_copy / "docs" / "bench" / f"{bench}.json"
    path.write_text(json.dumps({"bench": bench, "schema": 1, "machine": machine, **payload}))
    assert report.main(["--root", str(repo_copy)]) == 0
    assert "layout not recognised" not in capsys.readouterr().err
    rendered = _region(repo_copy, region)
    assert shown in rendered
    assert f"*Measured by* `python bench/{bench}.py`" in rendered
