"""The live stack as the checks use it: HTTP to the gateway, containers, load while faults hit."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _containers import Stack

REPO = Path(__file__).resolve().parents[3]
# The drawn seven the OpenAPI examples answer with: a digit as the web app's canvas sends it.
SEVEN = (REPO / "services/gateway/src/spikeglyph_gateway/routes/example_seven.png").read_bytes()
SEVEN_DATA_URL = "data:image/png;base64," + base64.b64encode(SEVEN).decode()


@dataclass
class Load:
    """Predictions sent back to back from a few threads; every answer that is not 200 counted."""

    sent: int = 0
    failures: list[str] = field(default_factory=list)


class LiveStack(Stack):
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['SPIKEGLYPH_GATEWAY_PORT']}"

    @property
    def key(self) -> dict[str, str]:
        return {"X-API-Key": self.env["SPIKEGLYPH_API_KEYS"]}

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0)

    def container_ids(self, service: str) -> list[str]:
        return self.compose("ps", "--quiet", service).split()

    def exec_python(self, container: str, code: str) -> str:
        """What ``python -c code`` prints inside ``container`` (the replicas publish no port)."""
        result = subprocess.run(
            ["docker", "exec", container, "python", "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout

    def exec_json(self, container: str, url: str) -> dict[str, Any]:
        """GET ``url`` from inside ``container``: its JSON answer."""
        code = f"import urllib.request as r; print(r.urlopen({url!r}, timeout=5).read().decode())"
        parsed = json.loads(self.exec_python(container, code))
        assert isinstance(parsed, dict)
        return parsed

    def exec_status(self, container: str, url: str, token: str | None = None) -> int:
        """The HTTP status of GET ``url`` from inside ``container``, with a Bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        code = (
            "import urllib.request as r, urllib.error as e\n"
            f"q = r.Request({url!r}, headers={headers!r})\n"
            "try:\n    print(r.urlopen(q, timeout=5).status)\n"
            "except e.HTTPError as err:\n    print(err.code)"
        )
        return int(self.exec_python(container, code).strip())

    @contextmanager
    def under_load(self, threads: int = 3) -> Iterator[Load]:
        load = Load()
        stop = threading.Event()

        def client() -> None:
            with self.http() as http:
                while not stop.is_set():
                    try:
                        response = http.post(
                            "/api/v1/predict", content=SEVEN, headers={"Content-Type": "image/png"}
                        )
                        if response.status_code != 200:
                            load.failures.append(f"{response.status_code} {response.text[:200]}")
                    except httpx.HTTPError as error:
                        load.failures.append(repr(error))
                    load.sent += 1

        workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        time.sleep(2)  # the load is flowing before the fault
        try:
            yield load
        finally:
            time.sleep(3)  # and keeps flowing after it
            stop.set()
            for worker in workers:
                worker.join(timeout=60)
