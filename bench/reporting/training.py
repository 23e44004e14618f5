"""Renderers for training speed, plasticity, the trainer job and NIR.

These benches belong to other parts of the project and their output may still change: a
renderer here reads the layout the bench writes today, and ``from_bench`` falls back to a
generic table of every figure when that layout moves.
"""

from __future__ import annotations

from reporting.markdown import MISSING, dataset, from_bench, num, pct, table
from reporting.models import describe_architecture
from reporting.sources import Doc


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
        f"T = {doc['timesteps']}, batch {doc['batch_size']}, AdamW lr {doc['lr']}, "
        f"{num(doc['samples'])} samples per round, {doc['torch_threads']} torch thread(s): "
        f"**{num(doc['speedup'], 2)}×** "
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
        f"points**; the whole job (fine-tuning and the gate's evaluation) took "
        f"{num(doc['seconds'], 1)} s."
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
    settings = ", ".join(f"{key} {value}" for key, value in params.items()) or "none"
    return (
        f"{table(['step', 'time'], rows)}\n\nJob parameters: {settings}; the rest from the "
        f"training recipe: {_recipe(doc['recipe'])}."
    )


def _recipe(recipe: Doc) -> str:
    """``MNIST, conv 16-32 (pooling current), FC 256, T = 4, 1 epoch(s) of 5,000 samples…``"""
    samples = recipe.get("max_samples")
    return (
        f"{dataset(recipe['dataset'])}, {describe_architecture(recipe['arch'])}, "
        f"T = {recipe['timesteps']}, {recipe['epochs']} epoch(s) of "
        f"{num(samples) if samples else 'all'} samples, batch {recipe['batch_size']}, "
        f"lr {recipe.get('lr', MISSING)}, seed {recipe.get('seed', MISSING)}"
    )
