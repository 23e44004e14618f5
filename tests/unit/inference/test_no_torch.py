"""The inference service must stay torch-free (small image, fast start, ≤ 300 MB resident)."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import spikeglyph_inference.main
from spikeglyph_inference.app import create_app
from spikeglyph_inference.settings import Settings
create_app(Settings())
heavy = sorted(m for m in ("torch", "snntorch", "torchvision") if m in sys.modules)
print(",".join(heavy) or "clean")
"""


def test_importing_and_building_the_app_loads_no_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "clean", result.stdout + result.stderr
