"""Which renderer fills which generated region, and which documents hold regions.

RESEARCH.md holds the research experiments' own regions (curriculum, growth).
A region may appear in several documents: RELIABILITY.md shows the load, memory, fuzzing and
fault tables of BENCHMARKS.md, ENERGY.md its energy tables, STDP.md its STDP tables and
MODELS.md its NIR table, each rendered by the one renderer below. RESEARCH.md holds the
research benches' regions (``rstdp-*``).
"""

from __future__ import annotations

from reporting import (
    containers,
    energy,
    fixedpoint,
    fixedpoint_ranges,
    lab,
    model_cards,
    models,
    nir,
    peers,
    plasticity,
    reproduce,
    research,
    resources,
    robustness,
    rstdp,
    serving,
    stdp,
    summary,
    training,
    weights,
)
from reporting.catalog import render_commands
from reporting.markdown import Renderer
from reporting.readme import render_readme

DOCUMENTS = [
    "docs/BENCHMARKS.md",
    "README.md",
    "docs/MODELS.md",
    "docs/STDP.md",
    "docs/ENERGY.md",
    "docs/RELIABILITY.md",
    "docs/RESEARCH.md",
]

REGIONS: dict[str, Renderer] = {
    "summary": summary.render_summary,
    "accuracy": models.render_accuracy,
    "model-latency": models.render_model_latency,
    "model-batch": models.render_model_batch,
    "model-sweep": models.render_model_sweep,
    "energy": energy.render_energy,
    "import": resources.render_import,
    "preprocess": resources.render_preprocess,
    "inference-http": serving.render_inference_http,
    "gateway": serving.render_gateway,
    "upstream": serving.render_upstream,
    "load": serving.render_load,
    "peers": peers.render_peers,
    "memory": resources.render_memory,
    "containers": containers.render_containers,
    "fuzz": resources.render_fuzz,
    "faults": resources.render_faults,
    "train-speed": training.render_train_speed,
    "neurogenesis": training.render_neurogenesis,
    "finetune": training.render_finetune,
    "prune-sweep": plasticity.render_prune_sweep,
    "finetune-gate": plasticity.render_gate_cases,
    "trainer-job": training.render_trainer_job,
    "fixedpoint": fixedpoint.render_fixedpoint,
    "fixedpoint-ranges": fixedpoint_ranges.render_fixedpoint_ranges,
    "stdp-speed": stdp.render_stdp_speed,
    "stdp-accuracy": stdp.render_stdp_accuracy,
    "nir": nir.render_nir,
    "whatif": lab.render_whatif,
    "reproduce": reproduce.render_reproduce,
    "rstdp-tune": rstdp.render_rstdp_tune,
    "rstdp-compare": rstdp.render_rstdp_compare,
    "rstdp-stream": rstdp.render_rstdp_stream,
    "model-mnist": model_cards.model_card("mnist"),
    "model-fashion-mnist": model_cards.model_card("fashion-mnist"),
    "model-mnist-spikes": model_cards.model_card("mnist-spikes"),
    "model-mnist-stdp": model_cards.render_stdp_model,
    "robustness": robustness.render_robustness,
    "robustness-plot": robustness.render_robustness_plot,
    "despeckle-sweep": robustness.render_despeckle_sweep,
    "sew-resnet": robustness.render_sew_resnet,
    "sew-resnet-fashion": robustness.render_sew_resnet_fashion,
    "sew-resnet-ruling": robustness.render_sew_ruling,
    "curriculum": research.render_curriculum,
    "curriculum-sweep": research.render_curriculum_sweep,
    "growth": research.render_growth,
    "commands": render_commands,
    "readme-figures": render_readme,
    "weights": weights.render_weights,
}
