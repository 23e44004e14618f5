"""Fixtures for the dataset tests: synthetic IDX folders and a local HTTP mirror."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spikeglyph.data import FILES
from spikeglyph.data.idx import read_file_bytes
from tests.support.datasets import make_tiny_idx_dataset


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def serve_dir() -> Iterator[Callable[[Path], str]]:
    """Serve a directory over HTTP on a free loopback port; returns its base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(root: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-mostly synthetic data dir (tests that modify files copy it first)."""
    return make_tiny_idx_dataset(tmp_path_factory.mktemp("synthetic"), n_train=600, n_test=200)


@pytest.fixture(scope="session")
def synthetic_sums(synthetic_root: Path) -> dict[str, str]:
    """The sha256 of each synthetic file's decompressed content, computed independently."""
    folder = synthetic_root / "mnist"
    return {
        name: hashlib.sha256(read_file_bytes(folder / f"{name}.gz")).hexdigest()
        for name in FILES.all()
    }
