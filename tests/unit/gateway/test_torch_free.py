"""The gateway image carries no torch: importing and building the app must not pull it in."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import spikeglyph.client
from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings
create_app(GatewaySettings())
roots = {'torch', 'snntorch', 'spikeglyph_trainer'}
heavy = sorted(m for m in sys.modules
               if m.split('.')[0] in roots or m.startswith('spikeglyph.train'))
print(','.join(heavy))
"""


def test_gateway_app_and_python_client_import_neither_torch_nor_trainer_code() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""
