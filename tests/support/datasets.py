"""Dataset fixtures: where the real IDX files are, and small synthetic ones when they are not.

The synthetic digits are seven-segment glyphs drawn with random position, size, slant, stroke
width and intensity: different enough per class that a tiny network learns them well above
chance, so a fresh clone without the reference datasets still exercises training end to end.
Like MNIST digits they are light strokes on an exactly black background.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from spikeglyph.data import FILES, SUMS_FILE, write_idx
from spikeglyph.data.idx import encode_idx

REPO = Path(__file__).resolve().parents[2]

# Segment end points in a unit box (x right, y down): a top, b top-right, c bottom-right,
# d bottom, e bottom-left, f top-left, g middle.
_SEGMENTS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "a": ((0.0, 0.0), (1.0, 0.0)),
    "b": ((1.0, 0.0), (1.0, 0.5)),
    "c": ((1.0, 0.5), (1.0, 1.0)),
    "d": ((0.0, 1.0), (1.0, 1.0)),
    "e": ((0.0, 0.5), (0.0, 1.0)),
    "f": ((0.0, 0.0), (0.0, 0.5)),
    "g": ((0.0, 0.5), (1.0, 0.5)),
}
_DIGIT_SEGMENTS = (
    "abcdef",
    "bc",
    "abged",
    "abgcd",
    "fgbc",
    "afgcd",
    "afgedc",
    "abc",
    "abcdefg",
    "abcdfg",
)


def render_glyph(label: int, rng: np.random.Generator) -> np.ndarray:
    """One 28×28 uint8 glyph of class ``label``: light strokes on black, MNIST-style."""
    canvas = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(canvas)
    width, height = rng.uniform(8, 12), rng.uniform(15, 19)
    # Roughly centred like MNIST digits, with a couple of pixels of play.
    left = 14 - width / 2 + rng.uniform(-2, 2)
    top = 14 - height / 2 + rng.uniform(-2, 2)
    slant = rng.uniform(-0.25, 0.25)
    stroke = int(rng.integers(2, 4))
    for segment in _DIGIT_SEGMENTS[label]:
        points = []
        for x, y in _SEGMENTS[segment]:
            jitter_x, jitter_y = rng.normal(0, 0.04, size=2)
            px = left + (x + jitter_x + slant * (0.5 - y)) * width
            py = top + (y + jitter_y) * height
            points.append((float(px), float(py)))
        draw.line(points, fill=int(rng.integers(200, 256)), width=stroke)
    # Like MNIST: the background is exactly black, the strokes' intensity varies.
    glyph = np.asarray(canvas, dtype=np.float32)
    texture = rng.uniform(0.75, 1.0, size=glyph.shape)
    return np.clip(glyph * texture, 0, 255).astype(np.uint8)


def make_glyphs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` glyphs with balanced labels (uint8 [n, 28, 28], uint8 [n])."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
    images = np.stack([render_glyph(int(label), rng) for label in labels])
    return images, labels


def make_tiny_idx_dataset(
    root: Path, dataset: str = "mnist", n_train: int = 600, n_test: int = 200, seed: int = 0
) -> Path:
    """Write synthetic ``<root>/<dataset>/*.gz`` IDX files plus their ``SHA256SUMS``; return root.

    ``root`` is then usable as ``SPIKEGLYPH_DATA_DIR``: the loader verifies the files against
    the declared checksums instead of the canonical ones.
    """
    folder = root / dataset
    folder.mkdir(parents=True, exist_ok=True)
    train_images, train_labels = make_glyphs(n_train, seed)
    test_images, test_labels = make_glyphs(n_test, seed + 1)
    arrays = {
        FILES.train_images: train_images,
        FILES.train_labels: train_labels,
        FILES.test_images: test_images,
        FILES.test_labels: test_labels,
    }
    sums = []
    for name, array in arrays.items():
        write_idx(folder / f"{name}.gz", array)
        sums.append(f"{hashlib.sha256(encode_idx(array)).hexdigest()}  {name}\n")
    (folder / SUMS_FILE).write_text("".join(sums), encoding="utf-8")
    return root


def _holds_datasets(path: Path) -> bool:
    return any(
        (path / "mnist" / f"{FILES.train_images}{suffix}").is_file() for suffix in ("", ".gz")
    )


def test_data_dir() -> Path | None:
    """The real datasets' root: ``SPIKEGLYPH_DATA_DIR`` if it holds them, else the reference
    copy next to the repository (``../shared/datasets``), else ``None``."""
    configured = os.environ.get("SPIKEGLYPH_DATA_DIR")
    if configured and _holds_datasets(Path(configured)):
        return Path(configured)
    sibling = REPO.parent / "shared" / "datasets"
    return sibling if _holds_datasets(sibling) else None


# pytest would collect a module-level function named test_* if this module were imported into
# a test file's namespace under that name; mark it as not a test.
test_data_dir.__test__ = False  # type: ignore[attr-defined]
