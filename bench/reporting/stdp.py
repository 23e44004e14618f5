"""Renderers for the unsupervised STDP benches: learning speed against BindsNET
(``bench/bench_stdp_peers.py``) and accuracy against network size (``bench/bench_stdp.py``).

The speed bench times every setting in the same rounds, so its ratios are the figures to read:
the median of each setting is shown with its range over the rounds, and each ratio with the
range of its round-by-round values, because a loaded machine spreads single rounds widely.
"""

from __future__ import annotations

from typing import Any

from reporting.markdown import from_bench, num, pct, ratio, table
from reporting.sources import Doc

ENGINES = {"bindsnet": "BindsNET `DiehlAndCook2015`", "spikeglyph": "SpikeGlyph"}


def setting_label(setting: Doc) -> str:
    """``SpikeGlyph, batch 16``: who learns, and how many digits share one weight update."""
    engine = ENGINES.get(setting["engine"], str(setting["engine"]))
    return f"{engine}, batch {setting['batch_size']}"


def ratio_settings(doc: Doc, key: str) -> tuple[Doc, Doc]:
    """The two settings a ratio key such as ``bindsnet_b1/spikeglyph_b16`` divides."""
    slower, faster = key.split("/")
    return doc["settings"][slower], doc["settings"][faster]


def _range(low: Any, high: Any, digits: int, unit: str = "") -> str:
    return f"{num(low, digits)}–{num(high, digits)}{unit}"


def _setting_row(setting: Doc) -> list[str]:
    wall, cpu = setting["ms_per_image"], setting["cpu_ms_per_image"]
    return [
        setting_label(setting),
        f"**{num(wall['median'], 1)}**",
        _range(wall["min"], wall["max"], 1),
        num(cpu["median"], 1),
        num(setting["excitatory_spikes_per_image"], 1),
    ]


def _ratio_row(doc: Doc, key: str, figures: Doc) -> list[str]:
    slower, faster = ratio_settings(doc, key)
    rounds = _range(figures["by_round_min"], figures["by_round_max"], 1, "×")
    return [
        f"{setting_label(slower)} ÷ {setting_label(faster)}",
        f"**{ratio(figures['of_medians'])}**",
        f"{ratio(figures['by_round_median'])} ({rounds})",
        ratio(figures["of_cpu_medians"]),
    ]


def _presented_again(settings: Doc) -> str:
    """SpikeGlyph's time includes showing weak digits again; BindsNET's example never does."""
    extra = [
        f"{num(setting['presented_again_per_image'], 4)} at batch {setting['batch_size']}"
        for setting in settings.values()
        if "presented_again_per_image" in setting
    ]
    if not extra:
        return ""
    return (
        " SpikeGlyph's times include presenting again, brighter, any digit that drove too few "
        f"spikes (BindsNET's example does not), extra presentations per digit: {', '.join(extra)}."
    )


def _caption(doc: Doc) -> str:
    versions, threads = doc["versions"], doc["threads"]
    installed = doc.get("bindsnet_install") or {}
    caveat = (
        " (installed without its declared requirements: `bindsnet_install` in the JSON says why)"
        if installed.get("installed_without_dependencies")
        else ""
    )
    return (
        f"{num(doc['neurons'])} excitatory neurons, {doc['timesteps']} steps of "
        f"{num(doc['dt_ms'], 0)} ms per digit, both engines; {doc['rounds']} rounds of "
        f"{num(doc['images_per_round'])} MNIST training digits per setting after "
        f"{num(doc['warmup_images'])} warm-up digits, the settings alternating and their order "
        f"rotating each round. Torch threads: SpikeGlyph {threads['spikeglyph']}, BindsNET "
        f"{threads['bindsnet']}. SpikeGlyph {versions['spikeglyph']} on torch "
        f"{versions['spikeglyph_torch']}; BindsNET {versions['bindsnet']} on torch "
        f"{versions['bindsnet_torch']}{caveat}.{_presented_again(doc['settings'])}"
    )


@from_bench("stdp_speed")
def render_stdp_speed(doc: Doc) -> str:
    """SpikeGlyph's STDP learner against BindsNET's Diehl & Cook, timed in the same rounds."""
    settings = doc["settings"]
    speed = table(
        [
            "setting",
            "wall ms per digit (median)",
            "min–max over rounds",
            "CPU ms per digit",
            "excitatory spikes per digit",
        ],
        (_setting_row(setting) for setting in settings.values()),
    )
    ratios = table(
        [
            "ratio of wall time per digit",
            "of the medians",
            "round by round: median (min–max)",
            "of the CPU medians",
        ],
        (_ratio_row(doc, key, figures) for key, figures in doc["ratios"].items()),
    )
    return f"{speed}\n\n{ratios}\n\n{_caption(doc)}"


def _accuracy_row(row: Doc) -> list[str]:
    return [
        num(row["neurons"]),
        num(row["learned_images"]),
        pct(row["val_accuracy"]),
        f"**{pct(row['test_accuracy'])}**",
        num(row["learn_seconds"]),
        num(row["learn_images_per_s"], 1),
        num(row["job_seconds"]),
    ]


@from_bench("stdp_accuracy")
def render_stdp_accuracy(doc: Doc) -> str:
    """STDP accuracy against network size: each size's whole job, test split reported."""
    headers = [
        "neurons",
        "digits learned",
        "validation",
        "test",
        "learning s",
        "digits/s",
        "whole job s",
    ]
    rows = table(headers, (_accuracy_row(row) for row in doc["results"]))
    return f"{rows}\n\n{doc['threads']} torch thread(s)."
