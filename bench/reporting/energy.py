"""Renderer for the energy estimate of the shipped models (``bench/bench_energy.py``).

The figure to read is the **ratio of means** (mean ANN energy over mean SNN energy on the
whole test split); the mean of per-image ratios is shown beside it only so that the
difference can be seen, and the weight-read ratios show how the picture changes once memory,
which the estimate otherwise leaves out (in the spiking network's favour), is priced.
docs/ENERGY.md gives the method.
"""

from __future__ import annotations

from reporting.markdown import code, from_bench, num, pct, ratio, table
from reporting.sources import Doc

MEMORIES = {"sram": "SRAM", "dram": "DRAM"}


def micro_joules(nano_joules: float) -> str:
    return num(nano_joules / 1000, 2)


def _model_cell(model: Doc) -> str:
    return f"{code(model['model'])} (T = {model['timesteps']})"


def _operations_row(model: Doc) -> list[str]:
    return [
        _model_cell(model),
        f"{pct(model['accuracy'])} (n = {num(model['n'])})",
        num(model["spikes_mean"]),
        num(model["sops_mean"]),
        num(model["first_layer_macs"]),
        num(model["ann_macs"]),
        micro_joules(model["snn_nj_mean"]),
        micro_joules(model["ann_nj"]),
        f"**{ratio(model['ratio_of_means'], 2)}**",
    ]


def _per_image_cell(model: Doc) -> str:
    per_image = model["mean_of_per_image_ratios"]
    text = ratio(per_image["value"], 2)
    empty = per_image.get("images_without_operations") or 0
    return f"{text} ({num(empty)} images without operations left out)" if empty else text


def _sensitivity_row(model: Doc, memories: list[str]) -> list[str]:
    reads = model["with_weight_reads"]
    return [
        _model_cell(model),
        f"**{ratio(model['ratio_of_means'], 2)}**",
        _per_image_cell(model),
        *(ratio(reads[memory]["ratio"], 2) for memory in memories),
        num(model["membrane_updates"]),
    ]


def _layer_sops(model: Doc) -> str:
    layers = ", ".join(f"{name} {num(sops)}" for name, sops in model["layer_sops_mean"].items())
    text = f"* {code(model['model'])}: {layers}"
    again = model.get("presented_again_fraction")
    if again is not None:
        text += (
            f"; {pct(again, 1)} of the test digits were presented more than once, "
            "each presentation counted"
        )
    return text


def _method(doc: Doc) -> str:
    method = doc["method"]
    return (
        f"E_AC = {num(method['e_ac_pj'], 1)} pJ per accumulate and E_MAC = "
        f"{num(method['e_mac_pj'], 1)} pJ per multiply-accumulate: {method['source']}. "
        f"Weight reads: {method['weight_read_source']}."
    )


@from_bench("energy")
def render_energy(doc: Doc) -> str:
    """Operations and energy per inference of every shipped model, with the sensitivity of the
    ratio to memory access."""
    models = doc["models"]
    operations = table(
        [
            "model",
            "test accuracy",
            "spikes",
            "SOPs",
            "first-layer MACs",
            "ANN MACs",
            "SNN µJ",
            "ANN µJ",
            "ANN ÷ SNN (ratio of means)",
        ],
        (_operations_row(model) for model in models),
    )
    read_pj = doc["method"]["weight_read_pj"]
    memories = list(read_pj)
    sensitivity = table(
        [
            "model",
            "ratio of means",
            "mean of per-image ratios (not the figure to quote)",
            *(
                f"with weight reads from {MEMORIES.get(m, m)} ({num(read_pj[m])} pJ)"
                for m in memories
            ),
            "membrane updates per inference (not priced)",
        ],
        (_sensitivity_row(model, memories) for model in models),
    )
    layers = "\n".join(_layer_sops(model) for model in models)
    return (
        f"{operations}\n\nMeans per inference over the test split. Mean SOPs per synaptic "
        f"layer:\n\n{layers}\n\n{sensitivity}\n\n{_method(doc)}"
    )
