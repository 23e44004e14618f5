"""What the two datasets consist of: file names, sizes, checksums and where to download them.

Checksums are SHA-256 of the **decompressed** IDX content, because the ``.gz`` bytes differ
between mirrors (compression level, timestamps) while the content does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from spikeglyph.errors import UnknownDataset
from spikeglyph.schemas import DatasetName

Split = Literal["train", "val", "test"]
SPLITS: tuple[str, ...] = get_args(Split)
IMAGE_SIDE = 28
NUM_CLASSES = 10


@dataclass(frozen=True)
class DatasetFiles:
    """The four IDX files of one dataset, by their decompressed names."""

    train_images: str = "train-images-idx3-ubyte"
    train_labels: str = "train-labels-idx1-ubyte"
    test_images: str = "t10k-images-idx3-ubyte"
    test_labels: str = "t10k-labels-idx1-ubyte"

    def all(self) -> tuple[str, str, str, str]:
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)


FILES = DatasetFiles()

CANONICAL_SHA256: dict[str, dict[str, str]] = {
    "mnist": {
        FILES.train_images: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        FILES.train_labels: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        FILES.test_images: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        FILES.test_labels: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        FILES.train_images: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        FILES.train_labels: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        FILES.test_images: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        FILES.test_labels: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

# Base URLs tried in order; a file's URL is ``base + name + ".gz"``.
MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ),
}

DATASETS: tuple[str, ...] = get_args(DatasetName)


def check_dataset(dataset: str) -> str:
    """Return ``dataset`` if SpikeGlyph knows it, else raise :class:`UnknownDataset`."""
    if dataset not in DATASETS:
        raise UnknownDataset(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
    return dataset
