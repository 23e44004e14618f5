"""Renderers for training, plasticity, fixed point, NIR and reproductions.

These benches belong to other parts of the project and their output may still change: a
renderer here reads the layout the bench writes today, and ``from_bench`` falls back to a
generic table of every figure when that layout moves.
"""

from __future__ import annotations

from reporting.catalog import command
from reporting.markdown import code, from_bench, generic, num, pct, provenance, table
from reporting.sources import Doc, Sources


@from_bench("train_speed")
def render_train_speed(doc: Doc) -> str:
    """Training samples/s, this project's layers against plain snntorch step by step."""
    rates, rounds = doc["samples_per_s"], doc.get("all_rounds", {})
    rows = [
        [
            engine,
            f"**{num(rates[engine], 1)}**",
            ", ".join(num(r, 1) for r in rounds.get(engine, [])),
        ]
        for engine in ("spikeglyph", "snntorch")
    ]
    return (
        f"{table(['engine', 'samples/s (best round)', 'rounds'], rows)}\n\n{doc['network']}; "
        f"T = {doc['timesteps']}, batch {doc['batch_size']}, {num(doc['samples'])} samples per "
        f"round, {doc['torch_threads']} torch thread(s): **{num(doc['speedup'], 2)}×** "
        "plain snntorch."
    )


@from_bench("neurogenesis")
def render_neurogenesis(doc: Doc) -> str:
    """Pruning by saliency then fine-tuning: SOPs and test accuracy before and after."""
    rows = []
    for when in ("before", "after"):
        state = doc[when]
        neurons = " / ".join(num(n) for n in state["neurons"].values())
        rows.append([when, neurons, num(state["sops_per_inference"]), pct(state["test_accuracy"])])
    params = doc["params"]
    return (
        f"{table(['', 'neurons per layer', 'SOPs per inference', 'test accuracy'], rows)}\n\n"
        f"Prune {pct(params['prune_fraction'], 0)}, grow {pct(params['grow_fraction'], 0)}, "
        f"{params['finetune_epochs']} fine-tuning epoch(s): **{pct(-doc['sops_reduction'], 1)} "
        f"SOPs** for **{num(doc['accuracy_change_points'], 2)} points** of test accuracy, "
        f"{num(doc['seconds'], 1)} s."
    )


@from_bench("finetune")
def render_finetune(doc: Doc) -> str:
    """Fine-tuning on feedback the model got wrong: held-out shifted digits and the test split."""
    columns = ("feedback_accuracy", "shifted_heldout_accuracy", "test_accuracy")
    rows = [[when, *(pct(doc[when][c], 1) for c in columns)] for when in ("before", "after")]
    headers = ["", f"feedback set ({doc['feedback_items']})", "held-out shifted digits", "test"]
    return (
        f"{table(headers, rows)}\n\nTest accuracy change: **{num(doc['test_change_points'], 2)} "
        f"points**; {num(doc['seconds'], 1)} s of fine-tuning."
    )


@from_bench("trainer_job")
def render_trainer_job(doc: Doc) -> str:
    """A ``train`` job through a real worker: time from submission to a published version."""
    params = doc["params"]
    rows = [
        ["worker ready after start", f"{num(doc['worker_ready_s'], 1)} s"],
        ["queued → running", f"{num(doc['queued_to_running_s'], 2)} s"],
        ["running → " + doc["state"], f"**{num(doc['running_to_done_s'], 1)} s**"],
        [
            "of which training",
            f"{num(doc.get('train_seconds'), 1)} s, "
            f"{num(doc.get('train_samples_per_s'))} samples/s",
        ],
        ["validation accuracy", pct(doc.get("val_accuracy"), 1)],
    ]
    settings = ", ".join(f"{key} {value}" for key, value in params.items())
    return f"{table(['step', 'time'], rows)}\n\nJob parameters: {settings}."


@from_bench("fixedpoint")
def render_fixedpoint(doc: Doc) -> str:
    """The fixed-point copy (8-bit weights, integer membranes) against its float parent."""
    parity = doc.get("onnx_parity") or {}
    agreement = parity.get("prediction_agreement") if isinstance(parity, dict) else None
    rows = [
        ["float parent", pct(doc["float_val_accuracy"])],
        ["fixed point", pct(doc["fixed_val_accuracy"])],
    ]
    header = f"{code(doc['model'])} (validation, n = {num(doc['val_n'])})"
    return (
        f"{table([header, 'accuracy'], rows)}"
        f"\n\nChange: **{num(doc['delta_points'], 2)} points**; ONNX Runtime and torch agree on "
        f"{pct(agreement, 1)} of predictions."
    )


@from_bench("nir")
def render_nir(doc: Doc) -> str:
    """NIR export and round trip (written by bench/bench_nir.py)."""
    return generic(doc)


def render_reproduce(src: Sources) -> str:
    """Every ``docs/bench/reproduce_*.json``: one generic table each."""
    names = src.bench_names("reproduce_")
    if not names:
        return f"*Not measured yet* ({command('reproduce')})."
    parts = []
    for name in names:
        doc = src.bench(name) or {}
        parts.append(f"**{code(name)}**\n\n{generic(doc)}\n\n{provenance(doc, name)}")
    return "\n\n".join(parts)
