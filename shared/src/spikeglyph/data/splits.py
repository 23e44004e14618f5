"""Loading a dataset split as numpy arrays, with a stratified validation split.

``val`` is carved from the training file, stratified by class and deterministic for a seed, so
model selection never looks at ``test``. Decoded files are cached in-process (a 47 MB gunzip
costs about a second); the cached arrays are read-only and every split returned is a fresh,
writable copy.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from spikeglyph.data.catalog import FILES, IMAGE_SIDE, NUM_CLASSES, SPLITS
from spikeglyph.data.idx import parse_idx
from spikeglyph.data.store import checksum_for, ensure_dataset, locate_file
from spikeglyph.data.verify import expected_checksums, read_verified
from spikeglyph.errors import CorruptDataset, DatasetError

log = logging.getLogger(__name__)

Images = npt.NDArray[np.uint8]
Labels = npt.NDArray[np.uint8]
Indices = npt.NDArray[np.int64]

# Canonical train files hold 60,000 samples and the canonical validation split is 5,000 of them.
SMALL_DATA_VAL_FRACTION = 1 / 12


@functools.lru_cache(maxsize=8)
def _decode_cached(resolved: str, size: int, mtime_ns: int, sha256: str) -> npt.NDArray[np.generic]:
    """Decode (and verify) one file; keyed by identity so a replaced file is read again."""
    del size, mtime_ns  # part of the cache key only
    path = Path(resolved)
    array = parse_idx(read_verified(path, sha256), source=str(path))
    array.flags.writeable = False
    return array


def _decode(path: Path, sha256: str) -> npt.NDArray[np.generic]:
    stat = path.stat()
    return _decode_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns, sha256)


def _check_pair(
    images: npt.NDArray[np.generic], labels: npt.NDArray[np.generic], where: str
) -> None:
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE,) * 2:
        raise CorruptDataset(
            f"{where}: images must be uint8 [N, 28, 28], got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise CorruptDataset(
            f"{where}: labels must be uint8 [N], got {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise CorruptDataset(f"{where}: {len(images)} images but {len(labels)} labels")
    if len(labels) and int(labels.max()) >= NUM_CLASSES:
        raise CorruptDataset(f"{where}: label {int(labels.max())} is not a class 0-9")


def load_part(
    data_dir: str | Path,
    dataset: str,
    part: str,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = None,
) -> tuple[Images, Labels]:
    """The read-only cached arrays of the ``train`` or ``test`` file pair."""
    dataset_dir = ensure_dataset(
        data_dir, dataset, download=download, mirrors=mirrors, checksums=checksums, verify=False
    )
    sums = expected_checksums(dataset_dir, dataset, checksums)
    names = (
        (FILES.train_images, FILES.train_labels)
        if part == "train"
        else (FILES.test_images, FILES.test_labels)
    )
    arrays = []
    for name in names:
        path = locate_file(dataset_dir, name)
        if path is None:  # removed between the check and the read
            raise DatasetError(f"{dataset_dir / name} disappeared while loading")
        arrays.append(_decode(path, checksum_for(sums, name, dataset_dir)))
    images, labels = arrays
    _check_pair(images, labels, f"{dataset_dir} ({part})")
    return images.view(np.uint8), labels.view(np.uint8)


def validation_count(n_train: int, val_size: int) -> int:
    """How many samples ``val`` holds: ``val_size``, or a twelfth of a small training file."""
    if val_size < 0:
        raise ValueError(f"val_size must be >= 0, got {val_size}")
    if 2 * val_size <= n_train:
        return val_size
    reduced = int(n_train * SMALL_DATA_VAL_FRACTION)
    log.info(
        "only %d training samples: holding out %d for validation instead of %d",
        n_train,
        reduced,
        val_size,
    )
    return reduced


def stratified_split(labels: Labels, val_size: int, seed: int = 0) -> tuple[Indices, Indices]:
    """Sorted ``(train_idx, val_idx)``: disjoint, covering every index, classes in proportion.

    Each class gives ``val_size × its share`` samples (largest remainders settle the rounding),
    chosen by a seeded permutation, so the split is the same for the same labels and seed.
    """
    n = len(labels)
    if not 0 <= val_size <= n:
        raise ValueError(f"val_size must be within 0..{n}, got {val_size}")
    classes, counts = np.unique(labels, return_counts=True)
    quotas = counts * val_size / max(n, 1)
    take = np.floor(quotas).astype(np.int64)
    shortfall = val_size - int(take.sum())
    if shortfall:
        order = np.argsort(-(quotas - take), kind="stable")
        take[order[:shortfall]] += 1
    rng = np.random.default_rng(seed)
    val_parts = []
    for cls, k in zip(classes, take, strict=True):
        members = np.flatnonzero(labels == cls)
        val_parts.append(rng.permutation(members)[:k])
    val_idx = np.sort(np.concatenate(val_parts)) if val_parts else np.empty(0, np.int64)
    mask = np.ones(n, dtype=bool)
    mask[val_idx] = False
    return np.flatnonzero(mask).astype(np.int64), val_idx.astype(np.int64)


def load_split(
    data_dir: str | Path,
    dataset: str,
    split: str,
    *,
    download: bool = True,
    val_size: int = 5000,
    seed: int = 0,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = None,
) -> tuple[Images, Labels]:
    """Images uint8 ``[N, 28, 28]`` and labels uint8 ``[N]`` of ``train``, ``val`` or ``test``.

    ``train`` and ``val`` partition the training file (``val_size`` samples, stratified, chosen
    by ``seed``; see :func:`validation_count` for small files); ``test`` is the test file and is
    meant for reporting only. Files are downloaded and verified as :func:`ensure_dataset` says.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    part = "test" if split == "test" else "train"
    images, labels = load_part(
        data_dir, dataset, part, download=download, mirrors=mirrors, checksums=checksums
    )
    if split == "test":
        return images.copy(), labels.copy()
    train_idx, val_idx = stratified_split(labels, validation_count(len(labels), val_size), seed)
    chosen_idx = val_idx if split == "val" else train_idx
    return images[chosen_idx], labels[chosen_idx]
