"""The gateway image carries neither torch nor ONNX Runtime, nor NumPy and Pillow: importing and
building the app, and generating its OpenAPI document (examples included), must not pull them
in."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import spikeglyph.client
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings
create_app(GatewaySettings()).openapi()
roots = {'torch', 'snntorch', 'spikeglyph_trainer', 'onnxruntime'}
heavy = sorted(m for m in sys.modules if m.split('.')[0] in roots
               or m.startswith(('spikeglyph.train', 'spikeglyph.runtime')))
print(','.join(heavy))
"""


def test_gateway_app_and_python_client_import_no_torch_trainer_code_or_onnx_runtime() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""


ARRAYS_PROBE = """
import sys
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings
create_app(GatewaySettings()).openapi()
print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {'numpy', 'PIL'})))
"""


def test_gateway_app_imports_neither_numpy_nor_pillow() -> None:
    """Its image installs neither: replicas decode images, check tensors and draw figures."""
    result = subprocess.run(
        [sys.executable, "-c", ARRAYS_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == ""
