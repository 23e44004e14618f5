"""MNIST and Fashion-MNIST as numpy arrays, torch-free.

* :func:`read_idx` / :func:`write_idx`: the IDX file format, validated strictly;
* :func:`ensure_dataset`: the files present and checksum-verified, downloaded when missing;
* :func:`load_split`: ``train`` / ``val`` (stratified, carved from train) / ``test`` arrays.

Class names live in :data:`spikeglyph.schemas.CLASS_NAMES`.
"""

from spikeglyph.data.catalog import CANONICAL_SHA256, DATASETS, FILES, MIRRORS, SPLITS, Split
from spikeglyph.data.idx import encode_idx, parse_idx, read_idx, write_idx
from spikeglyph.data.splits import load_split, stratified_split, validation_count
from spikeglyph.data.store import ensure_dataset
from spikeglyph.data.verify import SUMS_FILE

__all__ = [
    "CANONICAL_SHA256",
    "DATASETS",
    "FILES",
    "MIRRORS",
    "SPLITS",
    "SUMS_FILE",
    "Split",
    "encode_idx",
    "ensure_dataset",
    "load_split",
    "parse_idx",
    "read_idx",
    "stratified_split",
    "validation_count",
    "write_idx",
]
