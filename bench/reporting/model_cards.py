"""One shipped model's figures, from its manifest: the card under its heading in MODELS.md
(surrogate-gradient models) and STDP.md (the STDP model).

The accuracy table of BENCHMARKS.md sets the models side by side; a card says more about one:
the validation curve, the per-class spread, what one inference costs, and what the model was
built with. Everything comes from ``models/<name>/manifest.json`` as ``spikeglyph train`` wrote
it; the command's own wall time is not recorded there and is not shown.
"""

from __future__ import annotations

from typing import Any

from reporting.markdown import MISSING, Renderer, code, num, pct
from reporting.models import describe_architecture
from reporting.sources import Doc, Sources

# Libraries a card names, in this order, as the manifest spells them.
LIBRARIES = (("torch", "torch"), ("snntorch", "snntorch"), ("onnxruntime", "ONNX Runtime"))
# The surrogate-gradient exporters measure spikes and SOPs on this many validation images
# (spikeglyph.train.modelio.telemetry_summary).
TELEMETRY_SAMPLE = 256


def _missing(name: str) -> str:
    return (
        f"*No shipped model* `models/{name}/manifest.json`: "
        f"train it with the command above (`spikeglyph train … --out models/{name}`)."
    )


def _created(manifest: Doc) -> str:
    return str(manifest.get("created_at", "?"))[:16].replace("T", " ") + " UTC"


def _libraries(manifest: Doc) -> str:
    versions = manifest.get("libraries") or {}
    named = [f"{label} {versions[key]}" for key, label in LIBRARIES if versions.get(key)]
    return ", ".join(named) if named else "libraries not recorded"


def _class_spread(manifest: Doc) -> str:
    """``from 98.0 % (5) to 100.0 % (2)``: the worst and best class on the validation split."""
    per_class = (manifest.get("metrics") or {}).get("per_class_accuracy") or []
    if not per_class:
        return MISSING
    names = manifest.get("class_names") or [str(i) for i in range(len(per_class))]
    labels = [f"digit {name}" if str(name).isdigit() else str(name) for name in names]
    worst = min(range(len(per_class)), key=lambda i: per_class[i])
    best = max(range(len(per_class)), key=lambda i: per_class[i])
    return (
        f"from {pct(per_class[worst], 1)} ({labels[worst]}) "
        f"to {pct(per_class[best], 1)} ({labels[best]})"
    )


def _parity(metrics: dict[str, Any]) -> str:
    parity = metrics.get("onnx_parity")
    if not isinstance(parity, dict):
        return "ONNX parity: not recorded"
    same = "identical" if parity.get("identical_spike_counts") else "**different**"
    return (
        f"ONNX parity on {parity.get('n', '?')} validation images: "
        f"{pct(parity.get('prediction_agreement'), 1)} of the predictions agree, spike counts "
        f"{same} in every layer, largest logit difference "
        f"{float(parity.get('max_logit_diff', 0.0)):.1g}"
    )


def _validation_curve(history: list[dict[str, Any]]) -> str:
    values = [
        num(100 * row["val_accuracy"], 2) for row in history if row.get("val_accuracy") is not None
    ]
    return ", ".join(values) + " %" if values else MISSING


def _epoch_seconds(history: list[dict[str, Any]]) -> str:
    seconds = [row["epoch_seconds"] for row in history if row.get("epoch_seconds") is not None]
    if not seconds:
        return ""
    return f"; {num(min(seconds))}–{num(max(seconds))} s per epoch"


def _training(metrics: dict[str, Any], history: list[dict[str, Any]]) -> str:
    seconds = metrics.get("train_seconds")
    if seconds is None:
        return "Training loop: time not recorded."
    rate = metrics.get("train_samples_per_s")
    per_s = f", {num(rate)} samples/s" if rate else ""
    return (
        f"Training loop: **{num(seconds / 60, 1)} min**{per_s}{_epoch_seconds(history)} "
        "(the loop alone, not the command's whole wall time)."
    )


def _neurons(manifest: Doc) -> str:
    layers = manifest.get("neurons") or {}
    if not layers:
        return MISSING
    parts = ", ".join(f"{name} {num(count)}" for name, count in layers.items())
    return f"{num(sum(layers.values()))} spiking neurons ({parts})"


def _surrogate_card(name: str, manifest: Doc) -> str:
    metrics = manifest.get("metrics") or {}
    training = manifest.get("training") or {}
    config = training.get("config") or {}
    history = training.get("history") or []
    bullets = [
        f"Result: **{pct(metrics.get('test_accuracy'))} test accuracy** (the test split, "
        f"evaluated once after training), {pct(metrics.get('val_accuracy'))} validation "
        f"(n = {num(metrics.get('val_n'))}; best epoch {metrics.get('best_epoch', '?')} of "
        f"{config.get('epochs', '?')}). Validation accuracy by epoch: "
        f"{_validation_curve(history)}.",
        f"Per-class validation accuracy {_class_spread(manifest)}. {_parity(metrics)}.",
        f"Per inference, on average over {TELEMETRY_SAMPLE} validation images: "
        f"{num(manifest.get('spikes_per_inference'))} spikes and "
        f"{num((manifest.get('sops_per_inference') or 0) / 1e6, 2)} M synaptic operations; "
        f"{_neurons(manifest)}.",
        _training(metrics, history),
        f"Version {code(manifest.get('version', '?'))}: "
        f"{describe_architecture(manifest.get('architecture') or {})}, "
        f"T = {manifest.get('timesteps', '?')}; created {_created(manifest)} with "
        f"{_libraries(manifest)}.",
    ]
    return "\n".join(f"* {bullet}" for bullet in bullets) + (
        f"\n\n*From* `models/{name}/manifest.json`."
    )


def model_card(name: str) -> Renderer:
    """The renderer of the card of the surrogate-gradient model ``models/<name>``."""

    def render(src: Sources) -> str:
        manifest = src.manifest(name)
        return _missing(name) if manifest is None else _surrogate_card(name, manifest)

    render.__doc__ = f"The card of models/{name}, from its manifest."
    return render


def _stdp_learned(manifest: Doc) -> str:
    config = (manifest.get("training") or {}).get("config") or {}
    spec = config.get("spec") or manifest.get("architecture") or {}
    limit = config.get("max_samples")
    images = f"at most {num(limit)} images" if limit else "every training image"
    return (
        f"{spec.get('neurons', '?')} excitatory neurons, T = {spec.get('timesteps', '?')}, "
        f"{config.get('epochs', '?')} epoch(s) over {images} outside the validation split, "
        f"batch {config.get('batch_size', '?')}, seed {config.get('seed', '?')}"
    )


def render_stdp_model(src: Sources) -> str:
    """The shipped STDP model's card, from ``models/mnist-stdp/manifest.json``."""
    manifest = src.manifest("mnist-stdp")
    if manifest is None:
        return _missing("mnist-stdp")
    metrics = manifest.get("metrics") or {}
    seconds = metrics.get("train_seconds")
    learning = (
        f"{num(seconds / 60, 1)} min of learning ({num(metrics.get('train_samples_per_s'))} "
        "images/s of wall time)"
        if seconds is not None
        else "learning time not recorded"
    )
    bullets = [
        f"**{pct(metrics.get('test_accuracy'))} test accuracy** (reported only), "
        f"{pct(metrics.get('val_accuracy'))} validation (n = {num(metrics.get('val_n'))}): "
        f"{_stdp_learned(manifest)}; {learning}.",
        f"Per-class validation accuracy {_class_spread(manifest)}; "
        f"{num(metrics.get('labelled_neurons'))} neurons labelled. {_parity(metrics)}.",
        f"Served: {num(metrics.get('val_spikes_per_image'), 1)} excitatory spikes per validation "
        f"image; per inference on the validation images the manifest was written with, "
        f"{num(manifest.get('spikes_per_inference'), 1)} spikes (inhibitory included) and "
        f"{num((manifest.get('sops_per_inference') or 0) / 1e6, 2)} M synaptic operations, "
        "every presentation a weak image needed included.",
        f"Version {code(manifest.get('version', '?'))}, created {_created(manifest)} with "
        f"{_libraries(manifest)}.",
    ]
    return "\n".join(f"* {bullet}" for bullet in bullets) + (
        "\n\n*From* `models/mnist-stdp/manifest.json`."
    )
