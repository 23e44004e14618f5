"""Every renderer reads the layout its bench writes today.

Each payload (``payloads.py``) mirrors what the bench's ``emit`` call writes, so that a table
renders rather than falling back to a generic dump, and the summary judges the target the
bench measures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import report
from reporting.regions import find_regions

from tests.unit.docs.payloads import PAYLOADS, fixed_copy, ratio, reproduction, setting

CASES = [
    ("train_speed", "train-speed", "**1.37×** plain snntorch", "Training faster than plain"),
    ("train_speed", "train-speed", "batch 128, AdamW lr 0.003, 3,840 samples per round", None),
    ("neurogenesis", "neurogenesis", "**-59.2 % SOPs**", "Pruning: ≥ 30 % fewer SOPs"),
    ("finetune", "finetune", "| after | 48.3 % | 74.4 % | 99.3 % |", "Online retraining"),
    ("trainer_job", "trainer-job", "| running → succeeded | **6.2 s** |", "1-epoch 5,000-sample"),
    (
        "trainer_job",
        "trainer-job",
        "max_samples 5000; the rest from the training recipe: MNIST, conv 16-32 (pooling "
        "current), FC 256, T = 4, 1 epoch(s) of 5,000 samples, batch 128, lr 0.003",
        None,
    ),
    (
        "fixedpoint",
        "fixedpoint",
        "| MNIST (`mnist-conv-x`) | 10,000 | 99.44 % | 99.39 % | **-0.05** | -0.08 | 9 / 10 (8, 8) "
        "| 3.7 % / 1.1 % |",
        "Fixed-point copy",
    ),
    (
        "fixedpoint",
        "fixedpoint",
        "| **9** | 99.18 % (-0.02) | 1.0 % (fc1 20.0 %) | 92.80 % (-0.04) | 1.0 % (fc1 20.0 %) |",
        None,
    ),
    (
        "fixedpoint",
        "fixedpoint",
        "| 12–13 | 99.18 % (-0.02) | none | 92.90 % (+0.06) | none |",
        None,
    ),
    (
        "reproduce_mnist",
        "reproduce",
        "| `models/mnist` | 99.44 % → **99.41 %** | -0.01 / **-0.03** | 2 → 2 | 0.01 over 2 "
        "epochs | no | cpu, 1 thread(s) | same | 18.3 min (training loop 17.1 min) |",
        None,
    ),
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
    (
        "peers",
        "peers",
        "| SpikeGlyph through the gateway, `compact=true` | 64 | **1,600.0** | 38.00 | 80.0 | 0 "
        "| 0.40 (gateway) + 0.60 (replica) | 0.15 |",
        "64 clients through the gateway, compact",
    ),
    ("peers", "peers", "| gateway → replica hop (both HTTP stacks, loopback) | 0.250 | — |", None),
    ("peers", "peers", "Not measured: litserve: pip install", None),
    ("peers", "peers", "", "Batch-1 p50 through the gateway"),
    ("peers", "peers", "**3.20×** BentoML's throughput", "Full spike telemetry ≥ 70 %"),
    ("peers", "peers", "cost **1.15 ms** of CPU", None),
    ("peers", "peers", "2 cores can answer at most **1,739/s** at that cost", None),
    ("stdp_accuracy", "stdp-accuracy", "| 400 | 22,000 | 87.24 % | **88.80 %** |", None),
    ("energy", "energy", "| 805,429 | 107,584 | 1,330,752 | 1.22 | 6.12 | **5.02×** |", None),
    ("energy", "energy", "| **5.02×** | 5.09× | 2.21× | 1.46× | 19,880 |", None),
    ("whatif", "whatif", "| `threshold_scale` | 2 | 97.45 % | -1.75 pts | 1,490 | 801 nJ |", None),
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
    payload["settings"]["spikeglyph_b1"] = setting("spikeglyph", 1, slow_round)
    payload["ratios"]["bindsnet_b1/spikeglyph_b1"] = ratio(bindsnet, slow_round)
    _write(repo_copy, "stdp_speed", payload)

    assert report.main(["--root", str(repo_copy)]) == 0
    summary = next(
        line
        for line in _region(repo_copy, "summary").splitlines()
        if line.startswith("| STDP learning faster than BindsNET")
    )
    assert "batch 1: 5.0× (0.8–5.0× by round)" in summary
    assert "| **not met** |" in summary


def _summary_line(root: Path, claim: str) -> str:
    summary = _region(root, "summary")
    return next(line for line in summary.splitlines() if line.startswith(f"| {claim}"))


def test_the_fixed_point_target_is_judged_on_the_test_delta_of_every_model(
    repo_copy: Path,
) -> None:
    payload = json.loads(json.dumps(PAYLOADS["fixedpoint"]))
    payload["models"][1] = fixed_copy("fashion-mnist", "fashion-mnist-conv-x", 0.935, 0.9315)
    assert payload["models"][1]["val_delta_points"] > -0.3  # validation alone would pass
    _write(repo_copy, "fixedpoint", payload)

    assert report.main(["--root", str(repo_copy)]) == 0
    line = _summary_line(repo_copy, "Fixed-point copy loses ≤ 0.3 points")
    assert "MNIST -0.05, Fashion-MNIST -0.35 points on test" in line
    assert "| **not met** |" in line


def _reproduce_line(root: Path) -> str:
    return _summary_line(root, "Shipped models' recipes re-run reproduce them")


def test_the_reproduction_target_waits_for_its_json_then_names_models_not_re_run(
    repo_copy: Path,
) -> None:
    for committed in (repo_copy / "docs" / "bench").glob("reproduce_*.json"):
        committed.unlink()
    assert report.main(["--root", str(repo_copy)]) == 0
    assert "| — | not measured yet | `docs/bench/reproduce_*.json` |" in _reproduce_line(repo_copy)
    assert "*Not measured yet* (run: `python bench/reproduce_models.py" in _region(
        repo_copy, "reproduce"
    )

    _write(repo_copy, "reproduce_mnist", reproduction(0.9941, {}))
    assert report.main(["--root", str(repo_copy)]) == 0
    line = _reproduce_line(repo_copy)
    assert "mnist -0.03 points on test, weights differ" in line
    assert "| **met** (not re-run: fashion-mnist, mnist-spikes, mnist-stdp) |" in line


@pytest.mark.parametrize(
    ("test_after", "overrides", "shown"),
    [
        (0.9924, {}, "mnist -0.20 points on test"),
        (0.9944, {"epochs": 1}, "`models/mnist`: *not a reproduction* (epochs 1)"),
    ],
)
def test_a_re_run_too_far_off_or_with_overrides_does_not_reproduce(
    repo_copy: Path, test_after: float, overrides: dict[str, int], shown: str
) -> None:
    for committed in (repo_copy / "docs" / "bench").glob("reproduce_*.json"):
        committed.unlink()
    _write(repo_copy, "reproduce_mnist", reproduction(test_after, overrides))

    assert report.main(["--root", str(repo_copy)]) == 0
    line = _reproduce_line(repo_copy)
    assert "| **not met** (not re-run: fashion-mnist, mnist-spikes, mnist-stdp) |" in line
    assert shown in line + _region(repo_copy, "reproduce")


def _sew_doc(sew_test: str, ratio: float, done: int = 20) -> dict[str, object]:
    row = {"architecture": "conv", "val_accuracy": "99.00", "latency_ms_median": 0.2}
    history = [{"val_accuracy": 0.99}] * done
    parity = {"n": 8, "prediction_agreement": 1.0, "samples_with_identical_spikes": 1.0}
    return {
        "models": [
            {**row, "name": "base", "test_accuracy": "99.44", "params": 1},
            {**row, "name": "sew", "test_accuracy": sew_test, "params": 2},
        ],
        "run": {
            "epochs_done": done, "epochs_planned": 20, "best_epoch": 5, "history": history,
            "train_minutes": 1.0, "onnx_parity": parity, "sops_per_inference": 2e6,
            "shipped_sops_per_inference": 1e6,
        },
        "latency_ratio": ratio,
    }  # fmt: skip


def test_the_sew_ruling_ships_only_when_both_datasets_pass_the_bar(tmp_path: Path) -> None:
    from reporting.robustness import render_sew_ruling, sew_passes
    from reporting.sources import Sources

    assert sew_passes(_sew_doc("99.47", 1.99)) == (True, [])
    assert sew_passes(_sew_doc("99.44", 1.5))[1] == [
        "its test accuracy does not beat the shipped model's"
    ]
    assert sew_passes(_sew_doc("99.60", 2.1))[1] == ["it is more than 2× as slow"]
    assert sew_passes(_sew_doc("99.60", 1.0, done=3))[1] == ["the run is unfinished"]
    bench = tmp_path / "docs" / "bench"
    bench.mkdir(parents=True)
    (bench / "sew_resnet.json").write_text(json.dumps(_sew_doc("99.47", 1.99)))
    assert "No ruling yet" in render_sew_ruling(Sources(tmp_path))
    (bench / "sew_resnet_fashion.json").write_text(json.dumps(_sew_doc("99.40", 1.9)))
    assert "the Fashion-MNIST run fails the bar" in render_sew_ruling(Sources(tmp_path))
    (bench / "sew_resnet_fashion.json").write_text(json.dumps(_sew_doc("99.50", 1.9)))
    assert "qualify as the defaults" in render_sew_ruling(Sources(tmp_path))
