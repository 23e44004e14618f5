"""What each built image can import: the gateway no model runtime and no NumPy or Pillow, the
CPU trainer a CPU torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _containers import IMAGE_TAGS

from tests.deploy.live.stack import LiveStack

pytestmark = pytest.mark.live
PROBE = (
    "import importlib, importlib.util as u, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "names = ('torch', 'onnxruntime', 'numpy', 'PIL')\n"
    "found = {m: u.find_spec(m) is not None for m in names}\n"
    "cuda = __import__('torch').version.cuda if found['torch'] else None\n"
    "print(json.dumps({'found': found, 'cuda': cuda}))\n"
)


def _probe(service: str, module: str) -> dict[str, object]:
    result = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--entrypoint",
            "python",
            IMAGE_TAGS[service],
            "-c",
            PROBE,
            module,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(parsed, dict)
    return parsed


@pytest.mark.parametrize(
    ("service", "module", "torch", "onnxruntime", "arrays"),
    [
        ("gateway", "spikeglyph_gateway.main", False, False, False),
        ("inference", "spikeglyph_inference.main", False, True, True),
        ("trainer", "spikeglyph_trainer.main", True, True, True),
    ],
)
def test_each_image_imports_its_service_and_only_its_runtimes(
    stack: LiveStack, service: str, module: str, torch: bool, onnxruntime: bool, arrays: bool
) -> None:
    probe = _probe(service, module)
    assert probe["found"] == {
        "torch": torch,
        "onnxruntime": onnxruntime,
        "numpy": arrays,
        "PIL": arrays,
    }
    assert probe["cuda"] is None  # the CPU images: no CUDA build of torch
