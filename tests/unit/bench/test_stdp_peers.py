"""The pure parts of bench/bench_stdp_peers.py: summaries, ratios, round order, install notes.

The benchmark itself builds BindsNET's environment from PyPI; these tests never do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from bench_stdp_peerenv import conflict_lines, makefile_torch_index
from bench_stdp_stats import Trial, paired_ratios, round_order, summarise

PIP_CLASH = """\
Processing ./tensorboardx-2.6.5-py3-none-any.whl (from bindsnet==0.3.4)
ERROR: Cannot install bindsnet==0.3.4 because these package versions have conflicting dependencies.

The conflict is caused by:
    bindsnet 0.3.4 depends on torch<3 and >=2.14
    The user requested (constraint) torch==2.13.0+cpu

To fix this you could try to:
1. loosen the range of package versions you've specified
"""


def test_trial_gives_milliseconds_per_image() -> None:
    trial = Trial(seconds=2.5, cpu_seconds=1.0, images=50, spikes=600.0)
    assert trial.ms_per_image == pytest.approx(50.0)
    assert trial.cpu_ms_per_image == pytest.approx(20.0)


def test_summary_reports_median_quartiles_and_spread() -> None:
    summary = summarise([30.0, 10.0, 20.0, 50.0, 40.0])
    assert summary["median"] == 30.0
    assert summary["min"] == 10.0 and summary["max"] == 50.0
    assert summary["q1"] == 20.0 and summary["q3"] == 40.0
    assert summary["spread_pct"] == pytest.approx(100 * 40 / 30, abs=0.05)
    assert summary["n"] == 5


def test_summary_of_one_round_has_no_spread_and_of_none_is_refused() -> None:
    one = summarise([12.5])
    assert one["median"] == one["q1"] == one["q3"] == 12.5
    assert one["spread_pct"] == 0.0
    with pytest.raises(ValueError):
        summarise([])


def test_ratios_compare_medians_and_each_round_pair() -> None:
    ratios = paired_ratios([60.0, 80.0, 100.0], [10.0, 20.0, 20.0])
    assert ratios["of_medians"] == 4.0
    assert ratios["by_round"] == [6.0, 4.0, 5.0]
    assert ratios["by_round_median"] == 5.0
    assert (ratios["by_round_min"], ratios["by_round_max"]) == (4.0, 6.0)


def test_ratios_need_matching_rounds() -> None:
    with pytest.raises(ValueError):
        paired_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        paired_ratios([], [])


def test_round_order_rotates_so_every_setting_leads_once() -> None:
    names = ["bindsnet_b1", "spikeglyph_b16", "spikeglyph_b1"]
    orders = [round_order(names, i) for i in range(4)]
    assert [order[0] for order in orders] == [*names, names[0]]
    assert all(sorted(order) == sorted(names) for order in orders)
    assert round_order([], 3) == []


def test_conflict_lines_keep_pips_reason() -> None:
    assert conflict_lines(PIP_CLASH) == [
        "bindsnet 0.3.4 depends on torch<3 and >=2.14",
        "The user requested (constraint) torch==2.13.0+cpu",
    ]
    assert conflict_lines("ERROR: No matching distribution found for bindsnet==9\n") == [
        "ERROR: No matching distribution found for bindsnet==9"
    ]


def test_torch_index_is_read_from_the_makefile(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text("TORCH_VERSION ?= 2.13.0\nTORCH_INDEX ?= https://example.org/whl/cpu\n")
    assert makefile_torch_index(makefile) == "https://example.org/whl/cpu"
    assert makefile_torch_index(tmp_path / "missing") is None
