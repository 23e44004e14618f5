"""What each bench's ``emit`` call writes today, mirrored for the renderer tests.

The STDP speed figures are built with the bench's own arithmetic (``bench_stdp_stats``); the
fixed-point and reproduction payloads follow ``bench/bench_fixedpoint.py`` and
``bench/reproduce_models.py`` field by field.
"""

from __future__ import annotations

from bench_stdp_stats import paired_ratios, summarise


def setting(engine: str, batch: int, ms_by_round: list[float]) -> dict[str, object]:
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


def ratio(slower: list[float], faster: list[float]) -> dict[str, object]:
    """A ratio entry as bench_stdp_peers.py writes it (wall and CPU halved alike)."""
    cpu = paired_ratios([ms / 2 for ms in slower], [ms / 2 for ms in faster])
    return {**paired_ratios(slower, faster), "of_cpu_medians": cpu["of_medians"]}


def _saturation(current: float, membrane: float) -> dict[str, object]:
    """Clamped shares as the fixed-point sweep records them: all layers, then each layer."""
    layer = {
        "current_peak": 900,
        "current_bits_to_hold": 11,
        "membrane_peak": 451,
        "membrane_bits_to_hold": 10,
    }
    return {
        "current_fraction": current, "membrane_fraction": membrane,
        "layers": {"conv1": {"current_fraction": current / 2, "membrane_fraction": 0.0, **layer},
                   "fc1": {"current_fraction": current * 20, "membrane_fraction": membrane * 20,
                           **layer}},
    }  # fmt: skip


def _sweep(
    register: str, other: int | None, reference: float, rows: list[tuple[int, float]]
) -> dict[str, object]:
    """One model's width sweep as spikeglyph.train.fixedpoint.sweep.sweep_width returns it;
    below 12 bits 1 % of the swept register's writes are clamped, from 12 on none."""

    def clamped(bits: int) -> dict[str, object]:
        share = 0.01 if bits < 12 else 0.0
        return _saturation(share, 0.0) if register == "accumulator" else _saturation(0.0, share)

    return {
        "register": register, "other_bits": other, "n": 5000,
        "unbounded": {"accuracy": reference, "saturation": _saturation(0.0, 0.0)},
        "rows": [{"bits": bits, "accuracy": accuracy, "saturation": clamped(bits),
                  "delta_points": round(100 * (accuracy - reference), 3)}
                 for bits, accuracy in rows],
    }  # fmt: skip


def fixed_copy(
    dataset: str, version: str, float_test: float, fixed_test: float
) -> dict[str, object]:
    """One model's copy with the default widths as bench_fixedpoint.final_copy reports it."""
    return {
        "model": version, "dataset": dataset,
        "bit_widths": {"weight": 8, "input": 8, "accumulator": 9, "membrane": 10,
                       "decay_fraction": 8},
        "shifts": [6, 1, 0, 1], "test_n": 10000,
        "float_test_accuracy": float_test, "fixed_test_accuracy": fixed_test,
        "test_delta_points": round(100 * (fixed_test - float_test), 3),
        "unbounded_test_accuracy": float_test,
        "saturation_cost_test_points": round(100 * (fixed_test - float_test), 3),
        "val_n": 5000, "float_val_accuracy": 0.9926, "fixed_val_accuracy": 0.9918,
        "val_delta_points": -0.08,
        "saturation": {"val": _saturation(0.0366, 0.0107), "test": _saturation(0.0366, 0.0107)},
        "onnx_parity": {"n": 64, "prediction_agreement": 1.0, "identical_spike_counts": True,
                        "identical_membranes": True, "max_logit_diff": 0.0},
        "seconds": 66.0,
    }  # fmt: skip


def _run_outcome(version: str, test: float, val_by_epoch: list[float]) -> dict[str, object]:
    """The recorded or re-run block of reproduce_models.py: what a manifest records."""
    return {
        "version": version, "val_accuracy": max(val_by_epoch), "test_accuracy": test,
        "best_epoch": 1 + val_by_epoch.index(max(val_by_epoch)), "val_by_epoch": val_by_epoch,
        "train_seconds": 1024.3, "libraries": {"torch": "2.13.0+cpu", "numpy": "2.4.6"},
    }  # fmt: skip


def reproduction(test_after: float, overrides: dict[str, int]) -> dict[str, object]:
    """A reproduce_models.py result for models/mnist, re-run test accuracy ``test_after``."""
    return {
        "model": "mnist", "reproduction": not overrides, "overrides": overrides,
        "recipe": {"family": "surrogate", "dataset": "mnist", "epochs": 2, "seed": 0},
        "device": "cpu", "torch_threads": 1,
        "recorded": _run_outcome("mnist-conv-x", 0.9944, [0.9744, 0.9926]),
        "rerun": _run_outcome("mnist-conv-y", test_after, [0.9744, 0.9925]),
        "delta_points": {"val": -0.01, "test": round(100 * (test_after - 0.9944), 2)},
        "weights_identical": False, "wall_seconds": 1100.0,
    }  # fmt: skip


def _peer_run(rps: float, p50: float, p99: float, cpu: dict[str, float]) -> dict[str, object]:
    return {"requests": int(rps * 16), "errors": 0, "seconds": 16.0, "throughput_rps": rps,
            "mean_ms": p50 * 1.1, "p50_ms": p50, "p99_ms": p99,
            "server_cpu_ms_per_request": cpu, "generator_cpu_ms_per_request": 0.15,
            "timing_means_ms": {}, "failures": {}}  # fmt: skip


_GATEWAY_CPU = {"gateway": 0.4, "replica": 0.6}
PEERS = {
    "model": "models/mnist", "clients": [1, 64], "seconds_per_run": 8.0, "rounds": 2,
    "quick": False,
    "servers": {
        "spikeglyph compact": {"1": {**_peer_run(900.0, 0.95, 2.0, _GATEWAY_CPU),
                                     "timing_means_ms": {"server:gw-read": 0.01,
                                                         "server:gw-upstream": 0.7,
                                                         "server:app": 0.45,
                                                         "server:parse": 0.05}},
                               "64": _peer_run(1600.0, 38.0, 80.0, _GATEWAY_CPU)},
        "spikeglyph full": {"1": _peer_run(800.0, 1.1, 2.5, _GATEWAY_CPU),
                            "64": _peer_run(1200.0, 50.0, 95.0, _GATEWAY_CPU)},
        "bentoml": {"1": _peer_run(300.0, 3.0, 6.0, {"bentoml": 3.0}),
                    "64": _peer_run(500.0, 120.0, 300.0, {"bentoml": 3.5})},
        "bare ASGI": {"1": _peer_run(4000.0, 0.2, 0.5, {"bare": 0.03}),
                      "64": _peer_run(6400.0, 10.0, 20.0, {"bare": 0.03})},
    },
    "not_measured": {"litserve": "pip install litserve==0.2.19 failed (exit 1)"},
    "onnx_in_process": {"1": {"images_per_s": 9000.0, "ms_per_call": 0.111},
                        "64": {"images_per_s": 15000.0, "ms_per_call": 4.27}},
    "image": {"png_bytes": 254, "decode_ms": 0.02, "preprocess_ms": 0.1},
    "targets": {"clients": 64, "vs_bentoml": 3.2, "fraction_of_bare": 0.25,
                "full_vs_compact": 0.75,
                "met": {"2x_bentoml": True, "zero_errors": True, "1500_per_s": True,
                        "p99_under_100ms": True, "batch1_p50_under_1ms": True,
                        "full_at_least_70pct": True}},
}  # fmt: skip


PAYLOADS: dict[str, dict[str, object]] = {
    "peers": PEERS,
    "train_speed": {
        "network": ("conv16-conv32-fc256-readout, BN, LIF (learnable decay), ATan, "
                    "max-pool of current"),
        "timesteps": 4, "batch_size": 128, "lr": 0.003, "samples": 3840, "torch_threads": 2,
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
        "feedback_items": 300, "params": {"epochs": 2, "rehearsal_ratio": 4.0},
        "before": {"test_accuracy": 0.9944, "shifted_heldout_accuracy": 0.649,
                   "feedback_accuracy": 0.0},
        "after": {"test_accuracy": 0.9927, "shifted_heldout_accuracy": 0.744,
                  "feedback_accuracy": 0.483},
        "test_change_points": -0.17, "seconds": 6.5, "promoted": True,
        "gate": {"promoted": True, "reason": "feedback accuracy 0.0% → 46.7%",
                 "tolerance_points": 0.2, "val_drop_points": 0.1,
                 "feedback_gain_points": 46.7},
        "must_refuse": {
            "mislabelled": {"promoted": False, "gate": {
                "promoted": False, "reason": "held-out feedback accuracy did not improve",
                "tolerance_points": 0.2, "val_drop_points": 0.08,
                "feedback_gain_points": -2.7}},
        },
        "refused_all_that_must_be": True,
    },
    "trainer_job": {
        "params": {"epochs": 1, "max_samples": 5000},
        "recipe": {"family": "surrogate", "dataset": "mnist",
                   "arch": {"kind": "conv", "channels": [16, 32], "hidden": [256],
                            "pool": "current"},
                   "timesteps": 4, "epochs": 1, "batch_size": 128, "lr": 0.003,
                   "max_samples": 5000, "seed": 0},
        "state": "succeeded", "error": None, "worker_ready_s": 1.6, "queued_to_running_s": 0.05,
        "job_total_s": 6.3, "running_to_done_s": 6.2, "train_seconds": 3.2,
        "train_samples_per_s": 1554.0, "val_accuracy": 0.851, "version": "mnist-conv-x",
        "process_start_to_done_s": 8.0,
    },
    "fixedpoint": {
        "selection": {"split": "val", "tolerance_points": 0.1,
                      "rule_choice": {"accumulator": 9, "membrane": 10},
                      "defaults": {"accumulator": 9, "membrane": 10},
                      "defaults_match_rule": True},
        "ranges": {"mnist-conv-x": [{
            "layer": "conv1", "threshold_q": 4917, "worst_case_current": 138730,
            "worst_case_current_bits": 19, "current_peak": 54829, "current_bits_to_hold": 17,
            "membrane_peak": 78222, "membrane_bits_to_hold": 18}]},
        "membrane_sweep": {
            "mnist-conv-x": _sweep("membrane", None, 0.992, [(9, 0.9920), (10, 0.9918)]),
            "fashion-mnist-conv-x": _sweep("membrane", None, 0.9284, [(9, 0.9268), (10, 0.929)]),
        },
        "accumulator_sweep": {
            "mnist-conv-x": _sweep("accumulator", 10, 0.992,
                                   [(8, 0.9908), (9, 0.9918), (12, 0.9918), (13, 0.9918)]),
            "fashion-mnist-conv-x": _sweep("accumulator", 10, 0.9284,
                                           [(8, 0.8946), (9, 0.928), (12, 0.929), (13, 0.929)]),
        },
        "models": [fixed_copy("mnist", "mnist-conv-x", 0.9944, 0.9939),
                   fixed_copy("fashion-mnist", "fashion-mnist-conv-x", 0.935, 0.9325)],
        "seconds": 600.1,
    },
    "reproduce_mnist": reproduction(0.9941, {}),
    "stdp_speed": {
        "command": "python bench/bench_stdp_peers.py --neurons 400 --timesteps 100",
        "neurons": 400, "timesteps": 100, "dt_ms": 1.0, "images_per_round": 256, "rounds": 3,
        "warmup_images": 32, "digits": "MNIST training split, first 800",
        "load_1min_at_start": 0.4, "threads": {"spikeglyph": 1, "bindsnet": 1},
        "versions": {"spikeglyph": "0.1.0", "spikeglyph_torch": "2.13.0+cpu",
                     "bindsnet": "0.3.4", "bindsnet_torch": "2.13.0+cpu"},
        "bindsnet_install": {"installed_without_dependencies": True},
        "settings": {
            "bindsnet_b1": setting("bindsnet", 1, [150.0, 160.0, 170.0]),
            "spikeglyph_b16": setting("spikeglyph", 16, [10.0, 10.5, 12.0]),
            "spikeglyph_b1": setting("spikeglyph", 1, [30.0, 32.0, 31.0]),
        },
        "ratios": {
            "bindsnet_b1/spikeglyph_b16": ratio([150.0, 160.0, 170.0], [10.0, 10.5, 12.0]),
            "bindsnet_b1/spikeglyph_b1": ratio([150.0, 160.0, 170.0], [30.0, 32.0, 31.0]),
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
    "whatif": {
        "split": "test",
        "models": [{
            "model": "models/mnist", "version": "v1", "dataset": "mnist", "timesteps": 4,
            "encoder": "direct", "n": 2000, "served_agreement": 1.0,
            "sweep": [
                {"knob": "model's own", "setting": "–", "knobs": {}, "accuracy": 0.992,
                 "spikes_per_image": 3012.4, "snn_nj_per_image": 1170.2},
                {"knob": "threshold_scale", "setting": "2", "knobs": {}, "accuracy": 0.9745,
                 "spikes_per_image": 1490.0, "snn_nj_per_image": 801.0},
            ],
            "timing": {"predict_ms": 0.29, "whatif_ms": 1.48, "ratio": 5.1, "calls": 300},
        }],
    },
}  # fmt: skip
