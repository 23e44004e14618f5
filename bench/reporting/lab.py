"""Renderer of the what-if sweep (``bench/bench_whatif.py``): each knob turned alone.

Per model, accuracy on the first test images, mean spikes and mean estimated energy per image
for each setting of each knob, next to the model's own settings; then what one what-if answer
costs against one prediction.
"""

from __future__ import annotations

from reporting.markdown import code, from_bench, num, pct, table
from reporting.sources import Doc


def _delta(accuracy: float, own: float) -> str:
    points = (accuracy - own) * 100
    return "–" if abs(points) < 0.005 else f"{points:+.2f} pts"


def _model(model: dict[str, object]) -> str:
    rows = model["sweep"]
    assert isinstance(rows, list)
    own = next(row for row in rows if row["knob"] == "model's own")
    body = table(
        ["knob", "setting", "accuracy", "change", "spikes / image", "energy / image"],
        [
            [
                code(row["knob"]) if row["knob"] != "model's own" else "model's own settings",
                row["setting"],
                f"**{pct(row['accuracy'])}**" if row is own else pct(row["accuracy"]),
                _delta(row["accuracy"], own["accuracy"]),
                num(row["spikes_per_image"]),
                num(row["snn_nj_per_image"], 0, "nJ"),
            ]
            for row in rows
        ],
    )
    timing = model["timing"]
    assert isinstance(timing, dict)
    whatif, predict = num(timing["whatif_ms"], 2, "ms"), num(timing["predict_ms"], 2, "ms")
    return (
        f"**{code(model['model'])}** ({num(model['n'])} test images; own settings: "
        f"{model['encoder']} encoder, T = {model['timesteps']}; the what-if graph at those "
        f"settings gives the served graph's class for {pct(model['served_agreement'])} of them)"
        f"\n\n{body}\n\n"
        "One what-if answer (the baseline and the knobs', one batch of two, 16 steps unrolled): "
        f"**{whatif}** median against {predict} for one prediction of the served graph "
        f"({num(timing['ratio'], 1)}×; one ONNX Runtime thread, in-process, "
        f"{num(timing['calls'])} calls)."
    )


@from_bench("whatif")
def render_whatif(doc: Doc) -> str:
    """Every knob turned alone on the shipped surrogate-gradient models."""
    return "\n\n".join(_model(model) for model in doc["models"])
