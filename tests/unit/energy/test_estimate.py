"""The energy arithmetic on exact numbers (E_AC = 0.9 pJ, E_MAC = 4.6 pJ, Horowitz 2014)."""

from __future__ import annotations

import math

import pytest

from spikeglyph import energy
from spikeglyph.schemas import EnergyEstimate


def test_spiking_energy_is_accumulates_plus_the_analog_layers_macs() -> None:
    got = energy.estimate(sops=10_000, macs=500, ann_macs=20_000)
    assert got.sops == 10_000 and got.macs == 500 and got.ann_macs == 20_000
    assert got.snn_nj == pytest.approx((10_000 * 0.9 + 500 * 4.6) / 1000)  # 11.3 nJ
    assert got.ann_nj == pytest.approx(20_000 * 4.6 / 1000)  # 92 nJ
    assert got.ratio == pytest.approx(92 / 11.3)  # 8.14
    assert (got.e_ac_pj, got.e_mac_pj) == (0.9, 4.6)


def test_a_network_fed_spikes_pays_accumulates_only() -> None:
    got = energy.estimate(sops=1_000, macs=0, ann_macs=1_000)
    assert got.snn_nj == pytest.approx(0.9)
    assert got.ann_nj == pytest.approx(4.6)
    assert got.ratio == pytest.approx(4.6 / 0.9)  # 5.11: an AC is 5.1× cheaper than a MAC


def test_an_inference_without_operations_has_an_infinite_ratio() -> None:
    got = energy.estimate(sops=0, macs=0, ann_macs=100)
    assert got.snn_nj == 0 and math.isinf(got.ratio)


def test_the_estimate_of_one_output_row_sums_its_layers() -> None:
    spec = {"first_layer_macs": 200, "ann_macs": 5_000, "layer_macs": [200, 4_800]}
    got = energy.estimate_from_outputs([300.0, 120.0, 80.0], spec)
    assert got.sops == 500
    assert got.snn_nj == pytest.approx((500 * 0.9 + 200 * 4.6) / 1000)  # 1.37 nJ
    assert got.ann_nj == pytest.approx(23.0)
    # a manifest without first-layer MACs (the input is spikes) pays none
    assert energy.estimate_from_outputs([500.0], {"ann_macs": 5_000}).snn_nj == pytest.approx(0.45)


def test_over_many_images_the_ratio_is_of_the_mean_energies() -> None:
    spec = {"first_layer_macs": 0, "ann_macs": 1_000}
    # Two images: 1,000 and 3,000 SOPs (0.9 and 2.7 nJ) against 4.6 nJ each for the ANN.
    got = energy.mean_estimate([1_000, 3_000], spec)
    assert got.sops == 2_000
    assert got.snn_nj == pytest.approx((0.9 + 2.7) / 2)  # 1.8 nJ
    assert got.ann_nj == pytest.approx(4.6)
    assert got.ratio == pytest.approx(4.6 / 1.8)  # 2.56
    # ... not the mean of the per-image ratios, (4.6/0.9 + 4.6/2.7) / 2 = 3.41, which the
    # cheap image inflates
    per_image = [energy.estimate_from_outputs([s], spec).ratio for s in (1_000, 3_000)]
    assert sum(per_image) / 2 == pytest.approx(3.407, abs=1e-3)
    with pytest.raises(ValueError, match="no images"):
        energy.mean_estimate([], spec)


def test_reading_a_weight_per_operation_shrinks_the_ratio_towards_the_operation_counts() -> None:
    base = energy.estimate(sops=1_000, macs=100, ann_macs=2_000)
    assert base.ratio == pytest.approx(9.2 / 1.36)  # 6.76 by operations alone
    got = energy.with_weight_reads(base, read_pj=10.0)
    # every AC 0.9 + 10 pJ, every MAC 4.6 + 10 pJ
    assert got["snn_nj"] == pytest.approx((1_000 * 10.9 + 100 * 14.6) / 1000)  # 12.36 nJ
    assert got["ann_nj"] == pytest.approx(2_000 * 14.6 / 1000)  # 29.2 nJ
    assert got["ratio"] == pytest.approx(29.2 / 12.36)  # 2.36
    # with very expensive reads only the number of weights read matters: 2,000 / 1,100
    assert energy.with_weight_reads(base, read_pj=1e9)["ratio"] == pytest.approx(2000 / 1100)


def test_the_note_says_what_is_left_out_and_whom_that_favours() -> None:
    note = EnergyEstimate(sops=1, macs=0, snn_nj=1, ann_macs=1, ann_nj=1, ratio=1).note
    assert "memory access" in note and "favours the spiking network" in note
    assert energy.estimate(1, 0, 1).note == note
