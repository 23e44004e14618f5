"""Time spikeglyph.preprocess on the inputs the product sees, and dataset loading.

    .venv/bin/python bench/bench_preprocess.py [--repeat N] [--data-dir DIR]
        [--out docs/bench/preprocess.json]

For each input kind: its size, the median and 95th-percentile wall-clock microseconds per call
and the median CPU microseconds (the fairer figure on a shared machine). The dataset rows time
``load_split`` cold (gunzip, checksum, decode) and warm (the in-process cache). Writes one JSON
object (``emit``); a readable table goes to stderr.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import add_out_argument, emit
from PIL import Image, ImageDraw

from spikeglyph.data import load_split
from spikeglyph.preprocess import preprocess


def _digit(size: tuple[int, int], ink: int = 0, paper: int = 255) -> Image.Image:
    image = Image.new("L", size, paper)
    width, height = size
    points = [(0.3, 0.3), (0.5, 0.15), (0.7, 0.3), (0.35, 0.85), (0.72, 0.85)]
    ImageDraw.Draw(image).line(
        [(x * width, y * height) for x, y in points], fill=ink, width=max(2, height // 14)
    )
    return image


def _encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _photo(size: tuple[int, int]) -> bytes:
    rng = np.random.default_rng(0)
    paper = np.asarray(_digit(size, ink=50, paper=180), dtype=np.float32)
    noisy = np.clip(paper + rng.normal(0, 8, paper.shape), 0, 255).astype(np.uint8)
    return _encode(Image.fromarray(noisy).convert("RGB"), "JPEG", quality=85)


def _rgba_canvas() -> bytes:
    alpha = Image.eval(_digit((280, 280)), lambda value: 255 - value)
    black = Image.new("L", alpha.size, 0)
    return _encode(Image.merge("RGBA", (black, black, black, alpha)), "PNG")


def _time(call: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median and p95 wall-clock µs, and median CPU µs of this thread, per call.

    CPU time is the fairer figure on a shared, loaded machine: it leaves out the time the
    process waited for a core.
    """
    call()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        call()
        cpu.append((time.thread_time() - start_cpu) * 1e6)
        wall.append((time.perf_counter() - start) * 1e6)
    wall.sort()
    return statistics.median(wall), wall[int(0.95 * (len(wall) - 1))], statistics.median(cpu)


def _mnist_digit(data_dir: Path | None) -> np.ndarray:
    if data_dir is not None:
        images, _ = load_split(data_dir, "mnist", "test", download=False)
        digit: np.ndarray = images[0]
        return digit
    return np.asarray(_digit((28, 28), ink=255, paper=0))


Row = tuple[str, str, int, float, float, float]


def preprocessing_rows(repeat: int, data_dir: Path | None) -> list[Row]:
    inputs: list[tuple[str, str, bytes | np.ndarray, int]] = [
        ("MNIST digit, uint8 array", "28×28", _mnist_digit(data_dir), repeat),
        ("canvas PNG", "28×28", _encode(_digit((28, 28)), "PNG"), repeat),
        ("canvas PNG", "280×280", _encode(_digit((280, 280)), "PNG"), repeat),
        ("canvas PNG, RGBA transparent", "280×280", _rgba_canvas(), repeat),
        ("photo JPEG, noisy paper", "640×480", _photo((640, 480)), max(repeat // 5, 5)),
        ("photo JPEG, noisy paper", "4032×3024", _photo((4032, 3024)), max(repeat // 50, 3)),
    ]
    rows = []
    for kind, size, payload, n in inputs:
        nbytes = len(payload) if isinstance(payload, bytes) else int(payload.nbytes)
        rows.append((kind, size, nbytes, *_time(functools.partial(preprocess, payload), n)))
    return rows


def dataset_rows(data_dir: Path) -> list[tuple[str, float]]:
    rows = []
    for dataset in ("mnist", "fashion-mnist"):
        start = time.perf_counter()
        load_split(data_dir, dataset, "train", download=False)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        load_split(data_dir, dataset, "train", download=False)
        warm = time.perf_counter() - start
        rows.append((f"{dataset} train, first load (gunzip + sha256 + decode)", cold))
        rows.append((f"{dataset} train, cached", warm))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("SPIKEGLYPH_DATA_DIR"))
    add_out_argument(parser, "preprocess")
    args = parser.parse_args()
    data_dir: Path | None = args.data_dir
    if data_dir is not None and not (data_dir / "mnist").is_dir():
        data_dir = None
    fields = ("input", "size", "bytes", "median_us", "p95_us", "cpu_us")
    inputs = [
        dict(zip(fields, (*row[:3], *(round(us, 1) for us in row[3:])), strict=True))
        for row in preprocessing_rows(args.repeat, data_dir)
    ]
    datasets = []
    if data_dir is not None:
        datasets = [{"what": what, "seconds": round(s, 3)} for what, s in dataset_rows(data_dir)]
    for row in inputs:
        print("  ".join(str(row[field]) for field in fields), file=sys.stderr)
    for loading in datasets:
        print(f"{loading['what']}: {loading['seconds']} s", file=sys.stderr)
    emit(
        "preprocess",
        {
            "repeat": args.repeat,
            "inputs": inputs,
            "dataset_loading": datasets,
            "mnist_digit_from_dataset": data_dir is not None,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
