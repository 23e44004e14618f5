"""Renderer of the NIR check (``bench/bench_nir.py``): the exported graph, simulated.

Each NIR-exportable shipped model is exported to NIR and the ``.nir`` file run by a simulator
(snnTorch's NIR converters) on the test split, against the served ONNX graph: once with NIR's
own neuron semantics (LIF and IF reset *to zero*, what any NIR consumer computes) and once with
the resets the export records in its metadata (SpikeGlyph's reset by subtraction). Models that
max-pool input currents cannot be written in NIR: they are listed as refused, with the reason.
"""

from __future__ import annotations

from reporting.markdown import code, from_bench, num, pct, table
from reporting.sources import Doc
from reporting.verdict import Verdict

MODES = {
    "nir": "NIR's semantics (reset to zero)",
    "metadata": "the export's recorded resets (reset by subtraction)",
}


def _rows(doc: Doc) -> list[list[object]]:
    rows: list[list[object]] = []
    for model in doc["models"]:
        for mode, label in MODES.items():
            run = model["semantics"][mode]
            rows.append(
                [
                    code(model["model"]),
                    label,
                    num(run["n"]),
                    f"**{pct(run['class_agreement'])}**",
                    pct(run["spike_count_agreement"]),
                    f"{pct(run['served_accuracy'])} / {pct(run['nir_accuracy'])}",
                    num(run["max_logit_diff"], 3),
                    f"{run['simulator']} {run['simulator_version']}",
                ]
            )
    return rows


@from_bench("nir")
def render_nir(doc: Doc) -> str:
    """Agreement of the simulated NIR graph with the served model, per reset semantics."""
    shown = table(
        [
            "model",
            "simulated with",
            "test images",
            "same class",
            "identical output spike counts",
            "accuracy served / NIR",
            "largest logit difference",
            "simulator",
        ],
        _rows(doc),
    )
    by_reason: dict[str, list[str]] = {}
    for item in doc.get("refused", []):
        by_reason.setdefault(item["reason"], []).append(code(item["model"]))
    for reason, refused in by_reason.items():
        shown += f"\n\nNot exported: {', '.join(refused)}. {reason[0].upper()}{reason[1:]}."
    return shown


def judge_nir(doc: Doc) -> Verdict:
    """Met when every exportable shipped model, simulated with the resets its export records,
    gives the served model's class for every test image (NIR's own semantics reported too)."""
    exact = [model["semantics"]["metadata"]["class_agreement"] for model in doc["models"]]
    plain = [model["semantics"]["nir"]["class_agreement"] for model in doc["models"]]
    figure = ", ".join(
        f"{code(model['model'])}: {pct(a)} same class ({pct(b)} with NIR's reset to zero)"
        for model, a, b in zip(doc["models"], exact, plain, strict=True)
    )
    return Verdict(figure, bool(exact) and min(exact) == 1.0)
