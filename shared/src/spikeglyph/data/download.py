"""Downloading a dataset file from a list of mirrors, safely.

Each attempt streams into a temporary file in the destination folder, decompresses it, checks
the sha256 of the content and only then renames it into place, so an interrupted or corrupt
download never leaves a file at the final path that a later run would trust.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import httpx

from spikeglyph.data.idx import parse_idx, read_file_bytes
from spikeglyph.data.verify import check_content, mark_verified
from spikeglyph.errors import CorruptDataset, DatasetDownloadError

log = logging.getLogger(__name__)

# No canonical .gz is larger than 30 MB; anything far beyond is not the file we asked for.
MAX_DOWNLOAD_BYTES = 128 * 1024 * 1024
CHUNK_BYTES = 1 << 16


def mirror_url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}.gz"


def _stream_to(url: str, handle: BinaryIO, client: httpx.Client) -> None:
    written = 0
    with client.stream("GET", url) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes(CHUNK_BYTES):
            written += len(chunk)
            if written > MAX_DOWNLOAD_BYTES:
                raise CorruptDataset(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes; refusing it")
            handle.write(chunk)


def _try_mirror(url: str, dest: Path, sha256: str, client: httpx.Client) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            _stream_to(url, handle, client)
        data = read_file_bytes(tmp)
        check_content(data, sha256, source=url)
        parse_idx(data, source=url)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def download_file(
    name: str,
    dest: Path,
    mirrors: Sequence[str],
    sha256: str,
    *,
    timeout: float = 60.0,
) -> Path:
    """Fetch ``name + ".gz"`` from the first mirror that serves intact content into ``dest``.

    Raises :class:`CorruptDataset` when every mirror that answered served content with the wrong
    checksum, and :class:`DatasetDownloadError` (listing each URL tried and why it failed) when
    none could be reached.
    """
    if not mirrors:
        raise DatasetDownloadError(f"no mirrors configured to download {name}")
    network_failures: list[str] = []
    corrupt: list[str] = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for base in mirrors:
            url = mirror_url(base, name)
            log.info("downloading %s", url)
            try:
                _try_mirror(url, dest, sha256, client)
            except httpx.HTTPError as exc:
                network_failures.append(f"{url} ({type(exc).__name__}: {exc})")
            except CorruptDataset as exc:
                corrupt.append(exc.message)
            else:
                mark_verified(dest, sha256)
                log.info("downloaded and verified %s", dest)
                return dest
    if corrupt:
        raise CorruptDataset(
            f"refused {name}: every mirror that answered served corrupt data: "
            + "; ".join(corrupt)
            + (f"; unreachable: {', '.join(network_failures)}" if network_failures else "")
        )
    raise DatasetDownloadError(
        f"could not download {name}.gz; mirrors tried: {', '.join(network_failures)}"
    )
