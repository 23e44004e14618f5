"""Renderers for benches whose JSON is not committed yet read the layout those benches write.

Each payload mirrors what the bench's ``emit`` call writes today, so that when the JSON lands
the table renders (rather than falling back to a generic dump) and the summary judges it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import report
from reporting.regions import find_regions

PAYLOADS: dict[str, dict[str, object]] = {
    "train_speed": {
        "network": "conv16-conv32-fc256-readout, BN, LIF (learnable decay), ATan",
        "timesteps": 4, "batch_size": 128, "samples": 3840, "torch_threads": 2,
        "samples_per_s": {"spikeglyph": 1947.0, "snntorch": 1417.0},
        "all_rounds": {"spikeglyph": [1947.0, 1820.0], "snntorch": [1417.0, 1414.0]},
        "speedup": 1.37,
    },
    "neurogenesis": {
        "params": {"base_version": None, "prune_fraction": 0.3, "grow_fraction": 0.0,
                   "finetune_epochs": 2, "max_samples": None, "seed": 0},
        "before": {"test_accuracy": 0.9944, "sops_per_inference": 788000.0,
                   "neurons": {"conv1": 3136, "conv2": 1568, "fc1": 256, "output": 10}},
        "after": {"test_accuracy": 0.9919, "sops_per_inference": 321818.0,
                  "neurons": {"conv1": 2156, "conv2": 1078, "fc1": 179, "output": 10}},
        "sops_reduction": 0.5916, "accuracy_change_points": -0.25,
        "pruned_per_layer": {"conv1": 5, "conv2": 10, "fc1": 77}, "grown_per_layer": {},
        "seconds": 52.0,
    },
    "finetune": {
        "feedback_items": 300, "params": {"epochs": 3, "rehearsal_ratio": 4.0},
        "before": {"test_accuracy": 0.9944, "shifted_heldout_accuracy": 0.649,
                   "feedback_accuracy": 0.0},
        "after": {"test_accuracy": 0.9927, "shifted_heldout_accuracy": 0.744,
                  "feedback_accuracy": 0.483},
        "test_change_points": -0.17, "seconds": 6.5,
    },
    "trainer_job": {
        "params": {"dataset": "mnist", "arch": "conv", "epochs": 1, "timesteps": 4,
                   "max_samples": 5000},
        "state": "succeeded", "error": None, "worker_ready_s": 1.6, "queued_to_running_s": 0.05,
        "job_total_s": 6.3, "running_to_done_s": 6.2, "train_seconds": 3.2,
        "train_samples_per_s": 1554.0, "val_accuracy": 0.851, "version": "mnist-conv-x",
        "process_start_to_done_s": 8.0,
    },
    "fixedpoint": {
        "model": "mnist-conv-20261129-093900-c29a", "val_n": 5000, "float_val_accuracy": 0.9926,
        "fixed_val_accuracy": 0.992, "delta_points": -0.06, "input_bits": 8,
        "onnx_parity": {"n": 64, "prediction_agreement": 1.0, "identical_spike_counts": True,
                        "max_logit_diff": 0.0},
        "seconds": 40.0,
    },
    "stdp_speed": {
        "threads": 1,
        "results": [{"neurons": 400, "timesteps": 50, "batch_size": 16, "images": 640,
                     "images_per_s": 333.3, "ms_per_image_wall": 3.0, "ms_per_image_cpu": 2.9}],
    },
}  # fmt: skip

CASES = [
    ("train_speed", "train-speed", "**1.37×** plain snntorch", "Training faster than plain"),
    ("neurogenesis", "neurogenesis", "**-59.2 % SOPs**", "Pruning: ≥ 30 % fewer SOPs"),
    ("finetune", "finetune", "| after | 48.3 % | 74.4 % | 99.3 % |", "Online retraining"),
    ("trainer_job", "trainer-job", "| running → succeeded | **6.2 s** |", "1-epoch 5,000-sample"),
    ("fixedpoint", "fixedpoint", "Change: **-0.06 points**", "Fixed-point copy"),
    ("stdp_speed", "stdp-speed", "| 400 | 50 | 16 | 333.3 | **3.00** | 2.90 |", "STDP learning"),
]


def _region(root: Path, name: str) -> str:
    text = (root / "docs/BENCHMARKS.md").read_text()
    region = next(r for r in find_regions(text, "docs/BENCHMARKS.md") if r.name == name)
    return text[region.start : region.end]


@pytest.mark.parametrize(("bench", "region", "shown", "claim"), CASES)
def test_the_layout_each_bench_writes_today_renders_and_is_judged(
    repo_copy: Path,
    capsys: pytest.CaptureFixture[str],
    bench: str,
    region: str,
    shown: str,
    claim: str,
) -> None:
    path = repo_copy / "docs" / "bench" / f"{bench}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cores": 2, "date": "2026-12-04 10:00 UTC", "commit": "abc1234"}
    machine["command"] = f"python bench/{bench}.py"
    payload = {"bench": bench, "schema": 1, "machine": machine, **PAYLOADS[bench]}
    path.write_text(json.dumps(payload))

    assert report.main(["--root", str(repo_copy)]) == 0
    assert "layout not recognised" not in capsys.readouterr().err
    rendered = _region(repo_copy, region)
    assert shown in rendered
    assert f"*Measured by* `python bench/{bench}.py`" in rendered
    summary = next(
        line for line in _region(repo_copy, "summary").splitlines() if line.startswith(f"| {claim}")
    )
    assert "| **met** |" in summary
