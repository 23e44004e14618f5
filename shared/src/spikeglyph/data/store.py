"""Making sure a dataset's four IDX files are present and intact in the data directory.

Layout: ``<data_dir>/<dataset>/<name>`` or ``<name>.gz`` with the names of
:data:`spikeglyph.data.catalog.FILES` (``train-images-idx3-ubyte`` ...). Missing files are
downloaded from the mirrors; files already there are checked against their checksums once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from spikeglyph.data.catalog import FILES, MIRRORS, check_dataset
from spikeglyph.data.download import download_file
from spikeglyph.data.verify import expected_checksums, is_writable, verify_file
from spikeglyph.errors import CorruptDataset, DatasetDownloadError, DatasetError

log = logging.getLogger(__name__)


def locate_file(dataset_dir: Path, name: str) -> Path | None:
    """The raw file if present (fastest to read), else the ``.gz``, else ``None``."""
    for candidate in (dataset_dir / name, dataset_dir / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def checksum_for(sums: Mapping[str, str], name: str, dataset_dir: Path) -> str:
    try:
        return sums[name]
    except KeyError:
        raise CorruptDataset(f"{dataset_dir}: no checksum declared for {name}") from None


def ensure_dataset(
    data_dir: str | Path,
    dataset: str,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = None,
    verify: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Return ``<data_dir>/<dataset>`` once its four IDX files are there and intact.

    ``mirrors`` (base URLs, tried in order) defaults to the canonical ones;
    ``checksums`` (decompressed name → sha256) defaults to a ``SHA256SUMS`` file in the folder
    or the canonical table. ``verify=False`` skips checking files already present (the loader
    verifies while it decodes, to read each file once).
    """
    check_dataset(dataset)
    dataset_dir = Path(data_dir) / dataset
    sums = expected_checksums(dataset_dir, dataset, checksums)
    missing: list[str] = []
    for name in FILES.all():
        path = locate_file(dataset_dir, name)
        if path is None:
            missing.append(name)
        elif verify:
            verify_file(path, checksum_for(sums, name, dataset_dir))
    if not missing:
        return dataset_dir
    if not download:
        raise DatasetError(
            f"{dataset_dir} lacks {', '.join(missing)} (raw or .gz) and downloading is "
            "disabled; point SPIKEGLYPH_DATA_DIR at a folder holding "
            f"{dataset}/ or allow the download"
        )
    try:
        dataset_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetDownloadError(f"cannot create {dataset_dir} to download into: {exc}") from exc
    if not is_writable(dataset_dir):
        raise DatasetDownloadError(
            f"{dataset_dir} is read-only, so the missing {', '.join(missing)} cannot be downloaded"
        )
    sources = tuple(mirrors) if mirrors is not None else MIRRORS[dataset]
    for name in missing:
        log.info("%s/%s is missing; downloading it", dataset, name)
        try:
            download_file(
                name,
                dataset_dir / f"{name}.gz",
                sources,
                checksum_for(sums, name, dataset_dir),
                timeout=timeout,
            )
        except OSError as exc:
            raise DatasetDownloadError(f"cannot write into {dataset_dir}: {exc}") from exc
    return dataset_dir
