"""Every renderer reads the layout its bench writes today.

Each payload mirrors what the bench's ``emit`` call writes (the STDP speed figures are built
with the bench's own arithmetic), so that a table renders rather than falling back to a
generic dump, and the summary judges the target the bench measures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import report
from bench_stdp_stats import paired_ratios, summarise
from reporting.regions import find_regions


def _setting(engine: str, batch: int, ms_by_round: list[float]) -> dict[str, object]:
    """One timed setting as bench_stdp_peers.py reports it, from its per-round figures."""
    setting: dict[str, object] = {
        "engine": engine, "batch_size": batch, "ms_per_image": summarise(ms_by_round),
        "ms_per_image_by_round": ms_by_round,
        "cpu_ms_per_image": summarise([ms / 2 for ms in ms_by_round]),
        "excitatory_spikes_per_image": 12.5,
    }  # fmt: skip
    if engine == "spikeglyph":
        setting["presented_again_per_image"] = 0.001
    return setting


def _ratio(slower: list[float], faster: list[float]) -> dict[str, object]:
    """A ratio entry as bench_stdp_peers.py writes it (wall and CPU halved alike)."""
    cpu = paired_ratios([ms / 2 for ms in slower], [ms / 2 for ms in faster])
    return {**paired_ratios(slower, faster), "of_cpu_medians": cpu["of_medians"]}


PAYLOADS: dict[str, dict[str, object]] = {
    "train_speed": {
        "network": ("conv16-conv32-fc256-readout, BN, LIF (learnable decay), ATan, "
                    "max-pool of current"),
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
        "command": "python bench/bench_stdp_peers.py --neurons 400 --timesteps 100",
        "neurons": 400, "timesteps": 100, "dt_ms": 1.0, "images_per_round": 256, "rounds": 3,
        "warmup_images": 32, "digits": "MNIST training split, first 800",
        "load_1min_at_start": 0.4, "threads": {"spikeglyph": 1, "bindsnet": 1},
        "versions": {"spikeglyph": "0.1.0", "spikeglyph_torch": "2.13.0+cpu",
                     "bindsnet": "0.3.4", "bindsnet_torch": "2.13.0+cpu"},
        "bindsnet_install": {"installed_without_dependencies": True},
        "settings": {
            "bindsnet_b1": _setting("bindsnet", 1, [150.0, 160.0, 170.0]),
            "spikeglyph_b16": _setting("spikeglyph", 16, [10.0, 10.5, 12.0]),
            "spikeglyph_b1": _setting("spikeglyph", 1, [30.0, 32.0, 31.0]),
        },
        "ratios": {
            "bindsnet_b1/spikeglyph_b16": _ratio([150.0, 160.0, 170.0], [10.0, 10.5, 12.0]),
            "bindsnet_b1/spikeglyph_b1": _ratio([150.0, 160.0, 170.0], [30.0, 32.0, 31.0]),
        },
        "round_orders": [["bindsnet_b1", "spikeglyph_b16", "spikeglyph_b1"]],
        "notes": ["Ratios are BindsNET's ms per image over SpikeGlyph's."],
    },
    "stdp_accuracy": {
        "threads": 1,
        "results": [{"neurons": 400, "learned_images": 22000, "val_accuracy": 0.8724,
                     "test_accuracy": 0.888, "learn_seconds": 760.0, "learn_images_per_s": 28.9,
                     "job_seconds": 1020.0}],
    },
    "energy": {
        "method": {"e_ac_pj": 0.9, "e_mac_pj": 4.6, "source": "Horowitz, ISSCC 2014",
                   "weight_read_pj": {"sram": 5.0, "dram": 640.0},
                   "weight_read_source": "Han et al., NIPS 2015"},
        "models": [{
            "model": "models/mnist", "version": "mnist-conv-x", "family": "surrogate",
            "dataset": "mnist", "timesteps": 4, "split": "test", "n": 10000, "accuracy": 0.9944,
            "spikes_mean": 3394.1, "layer_spikes_mean": {"conv1": 2137.3, "fc1": 424.3},
            "sops_mean": 805429.4, "first_layer_macs": 107584.0, "ann_macs": 1330752.0,
            "snn_nj_mean": 1219.77, "ann_nj": 6121.46, "ratio_of_means": 5.0185,
            "mean_of_per_image_ratios": {"value": 5.0897, "images_without_operations": 0,
                                         "label": "mean of per-image ratios"},
            "snn_nj_per_image": {"min": 818.3, "p5": 942.4, "p50": 1234.2, "p95": 1422.1,
                                 "max": 1625.0},
            "layer_sops_mean": {"conv2": 589131.6, "fc1": 212053.5, "readout": 4242.9},
            "membrane_updates": 19880,
            "with_weight_reads": {
                "sram": {"read_pj": 5.0, "snn_nj": 5784.8, "ann_nj": 12775.2, "ratio": 2.2084},
                "dram": {"read_pj": 640.0, "snn_nj": 585548.3, "ann_nj": 857802.7,
                         "ratio": 1.46496},
            },
        }],
    },
}  # fmt: skip

CASES = [
    ("train_speed", "train-speed", "**1.37×** plain snntorch", "Training faster than plain"),
    ("neurogenesis", "neurogenesis", "**-59.2 % SOPs**", "Pruning: ≥ 30 % fewer SOPs"),
    ("finetune", "finetune", "| after | 48.3 % | 74.4 % | 99.3 % |", "Online retraining"),
    ("trainer_job", "trainer-job", "| running → succeeded | **6.2 s** |", "1-epoch 5,000-sample"),
    ("fixedpoint", "fixedpoint", "Change: **-0.06 points**", "Fixed-point copy"),
    (
        "stdp_speed",
        "stdp-speed",
        "| SpikeGlyph, batch 16 | **10.5** | 10.0–12.0 |",
        "STDP learning",
    ),
    (
        "stdp_speed",
        "stdp-speed",
        "batch 1 ÷ SpikeGlyph, batch 1 | **5.2×** | 5.0× (5.0–5.5×)",
        None,
    ),
    ("stdp_accuracy", "stdp-accuracy", "| 400 | 22,000 | 87.24 % | **88.80 %** |", None),
    ("energy", "energy", "| 805,429 | 107,584 | 1,330,752 | 1.22 | 6.12 | **5.02×** |", None),
    ("energy", "energy", "| **5.02×** | 5.09× | 2.21× | 1.46× | 19,880 |", None),
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
    claim: str | None,
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
    if claim is None:  # no target is judged from this bench
        return
    summary = next(
        line for line in _region(repo_copy, "summary").splitlines() if line.startswith(f"| {claim}")
    )
    assert "| **met** |" in summary


def _write(root: Path, bench: str, payload: dict[str, object]) -> None:
    machine = {"cores": 2, "date": "2026-12-04 10:00 UTC", "commit": "abc1234"}
    path = root / "docs" / "bench" / f"{bench}.json"
    path.write_text(json.dumps({"bench": bench, "schema": 1, "machine": machine, **payload}))


def test_the_readme_quotes_the_energy_ratio_of_means_with_its_memory_caveat(
    repo_copy: Path,
) -> None:
    payload = json.loads(json.dumps(PAYLOADS["energy"]))
    payload["models"][0]["mean_of_per_image_ratios"]["value"] = 7.9
    _write(repo_copy, "energy", payload)

    assert report.main(["--root", str(repo_copy)]) == 0
    text = (repo_copy / "README.md").read_text()
    region = next(r for r in find_regions(text, "README.md") if r.name == "readme-figures")
    sentence = text[region.start : region.end]
    assert "(ratio of means over the test split, arithmetic only): 5.0× for `models/mnist`" in (
        sentence
    )
    assert "with every weight read from SRAM priced too, 2.2×" in sentence
    assert "7.9" not in sentence
    assert "energy" not in sentence.partition("Not measured yet")[2]


def test_stdp_speed_is_not_met_when_bindsnet_wins_a_single_round(repo_copy: Path) -> None:
    payload = json.loads(json.dumps(PAYLOADS["stdp_speed"]))
    bindsnet, slow_round = [150.0, 160.0, 170.0], [30.0, 32.0, 200.0]
    payload["settings"]["spikeglyph_b1"] = _setting("spikeglyph", 1, slow_round)
    payload["ratios"]["bindsnet_b1/spikeglyph_b1"] = _ratio(bindsnet, slow_round)
    _write(repo_copy, "stdp_speed", payload)

    assert report.main(["--root", str(repo_copy)]) == 0
    summary = next(
        line
        for line in _region(repo_copy, "summary").splitlines()
        if line.startswith("| STDP learning faster than BindsNET")
    )
    assert "batch 1: 5.0× (0.8–5.0× by round)" in summary
    assert "| **not met** |" in summary
