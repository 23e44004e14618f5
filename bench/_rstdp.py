"""What ``bench_rstdp.py`` needs beside the rule: the stream's digits, the supervised
comparison and the plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

SHIFT = 3  # pixels, up to, in each direction
THICKEN = 1  # pixels of dilation


def shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``image`` moved by (dy, dx) pixels, with black coming in from the edge."""
    out = np.zeros_like(image)
    h, w = image.shape
    src = image[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    out[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    return out


def thickened(image: np.ndarray, radius: int) -> np.ndarray:
    """Grey-level dilation by a (2r+1)² square: strokes ``radius`` pixels thicker."""
    out = image.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out = np.maximum(out, shifted(image, dy, dx))
    return out


def stream_images(
    images: np.ndarray, labels: np.ndarray, size: int, seed: int
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``size`` digits drawn without replacement, each thickened and shifted at random (a
    shift of at least 2 pixels on one axis), as a person drawing big and off-centre would."""
    rng = np.random.default_rng(1000 + seed)
    pick = rng.choice(len(images), size=size, replace=False)
    out = np.empty((size, 28, 28), dtype=np.uint8)
    for i, index in enumerate(pick):
        dy, dx = rng.integers(-SHIFT, SHIFT + 1, size=2)
        if max(abs(dy), abs(dx)) < 2:
            dy = 2 if dy >= 0 else -2
        out[i] = shifted(thickened(images[index], THICKEN), int(dy), int(dx))
    transform = {"shift_px": f"up to {SHIFT} (at least 2 on one axis)", "dilation_px": THICKEN}
    return out, labels[pick].astype(np.int64), transform


def supervised_readout(train: Any, scored: tuple[Any, ...], *, seed: int) -> list[float]:
    """Softmax regression on the same spike counts, labels as targets (Adam, 20 epochs)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(train.counts)
    y = torch.from_numpy(train.labels)
    layer = torch.nn.Linear(x.shape[1], 10)
    with torch.no_grad():
        layer.weight.normal_(0.0, 0.01, generator=generator)
        layer.bias.zero_()
    optimiser = torch.optim.Adam(layer.parameters(), lr=0.01)
    for _ in range(20):
        for batch in torch.randperm(len(x), generator=generator).split(256):
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(layer(x[batch]), y[batch]).backward()
            optimiser.step()
    with torch.no_grad():
        return [
            float((layer(torch.from_numpy(f.counts)).argmax(1).numpy() == f.labels).mean())
            for f in scored
        ]


def plot(result: dict[str, Any], path: Path) -> None:
    """Left: test accuracy of the three readouts (mean ± sd over seeds); right: the stream's
    held-out accuracy before and after reward-only learning (the job's defaults, a stronger
    setting) and, for reference, a supervised readout of the same trials, per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    compare = result["compare"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    names = ["label assignment", "R-STDP (reward)", "supervised linear"]
    means = [
        compare["label_assignment"]["test"] * 100,
        compare["rstdp"]["test"]["mean"] * 100,
        compare["supervised_linear"]["test"]["mean"] * 100,
    ]
    sds = [
        0.0,
        compare["rstdp"]["test"]["sd"] * 100,
        compare["supervised_linear"]["test"]["sd"] * 100,
    ]
    left.bar(names, means, yerr=sds, color=["#999999", "#d95f02", "#1b9e77"], capsize=4)
    left.set_ylim(min(means) - 5, 100)
    left.set_ylabel("MNIST test accuracy (%)")
    left.set_title("Readouts of the same frozen STDP features")
    for i, m in enumerate(means):
        left.text(i, m + 0.3, f"{m:.2f}", ha="center")
    runs = result["stream"]["runs"]
    for run in runs:
        points = [
            run["held_out_before"],
            run["job_defaults"]["held_out_after"],
            run["stronger"]["held_out_after"],
        ]
        line = right.plot([0, 1, 2], [p * 100 for p in points], marker="o")[0]
        right.plot(
            [3],
            [run["supervised_held_out"] * 100],
            marker="s",
            color=line.get_color(),
            label=f"seed {run['seed']}",
        )
    right.set_xticks(
        [0, 1, 2, 3],
        ["before", "reward,\njob defaults", "reward,\nstronger", "labels as\ntargets"],
    )
    right.set_ylabel("held-out stream accuracy (%)")
    stream = result["stream"]
    right.set_title(f"Shifted, thickened stream: {stream['learnt']} digits learnt")
    right.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
