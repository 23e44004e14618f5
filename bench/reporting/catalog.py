"""The command that measures each committed JSON: one place for the not-measured lines,
the target summary and the documents' "how to run" prose to agree on.

These are the settings the targets are stated for; a quick run with smaller settings still
renders, and the target summary says where its settings fall short. Every bench reads the
datasets from ``SPIKEGLYPH_DATA_DIR``.
"""

from __future__ import annotations

from reporting.sources import Sources

COMMANDS: dict[str, str] = {
    "model": "python bench/bench_model.py models/mnist models/fashion-mnist --repeat 2000 --sweep",
    "import": "python bench/bench_import.py",
    "preprocess": "python bench/bench_preprocess.py",
    "weights": "python bench/bench_weights.py",
    "upstream": "python bench/bench_upstream.py",
    "inference_http": (
        "python bench/bench_inference_http.py --model models/mnist --clients 32 --requests 3000"
    ),
    "gateway": ("python bench/bench_gateway.py --model models/mnist --concurrency 32 --seconds 20"),
    "peers": "python bench/bench_peers.py --model models/mnist",
    "load": "python bench/load.py --scenario all --clients 64 --seconds 60 --model models/mnist",
    "memory": "python bench/bench_memory.py --model models/mnist",
    "containers": "python bench/bench_containers.py",
    "fuzz": "python bench/fuzz.py --model models/mnist",
    "faults": "python bench/faults.py --model models/mnist",
    "train_speed": "python bench/bench_train_speed.py",
    "prune_sweep": "python bench/bench_plasticity.py sweep models/mnist models/fashion-mnist",
    "neurogenesis": "python bench/bench_plasticity.py neurogenesis models/mnist",
    "finetune": "python bench/bench_plasticity.py finetune models/mnist",
    "trainer_job": "python bench/bench_trainer_job.py",
    "fixedpoint": "python bench/bench_fixedpoint.py",
    "stdp_speed": (
        "python bench/bench_stdp_peers.py --neurons 400 --timesteps 100 --images 256 "
        "--repeats 5 --threads 1"
    ),
    "stdp_accuracy": "python bench/bench_stdp.py --neurons 100,400 --max-samples 22000",
    "energy": "python bench/bench_energy.py",
    "nir": "python bench/bench_nir.py",
    "whatif": "python bench/bench_whatif.py",
    "robustness": "python bench/bench_robustness.py --stage after --no-raw",
    "despeckle_sweep": "python bench/bench_despeckle_sweep.py",
    "sew_resnet": "python bench/bench_sew_resnet.py",
    "sew_resnet_fashion": "python bench/bench_sew_resnet.py --dataset fashion-mnist",
    "curriculum_sweep": "python bench/bench_curriculum_sweep.py",
    "curriculum": "python bench/bench_curriculum.py",
    "growth": "python bench/bench_growth.py",
    "rstdp": "python bench/bench_rstdp.py",
    "reproduce": "python bench/reproduce_models.py models/<model> --threads 1",
}


def command(name: str) -> str:
    """The command for bench ``name``; ``reproduce_*`` results share one entry, and a shipped
    model (``models/<dir>``) is made by the training command."""
    if name.startswith("models/"):
        return f"spikeglyph train … --out {name} (see docs/MODELS.md)"
    return COMMANDS["reproduce" if name.startswith("reproduce") else name]


def render_commands(src: Sources) -> str:
    """Every bench at the settings its targets are stated for, then the report; the
    reproduction once per shipped model."""
    reproduce = COMMANDS["reproduce"]
    lines = [
        "```bash",
        "export SPIKEGLYPH_DATA_DIR=/path/to/datasets  # holds mnist/ and fashion-mnist/",
        *(cmd for name, cmd in COMMANDS.items() if name != "reproduce"),
        *(reproduce.replace("<model>", model) for model in src.recipe_model_names()),
        "python bench/report.py  # regenerate docs/BENCHMARKS.md and the README's figures",
        "```",
    ]
    return "\n".join(lines)
