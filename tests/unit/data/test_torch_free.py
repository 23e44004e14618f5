"""The dataset readers and preprocessing belong to the torch-free core the services install."""

from __future__ import annotations

import subprocess
import sys


def test_data_and_preprocess_import_without_torch() -> None:
    code = (
        "import sys, spikeglyph.data, spikeglyph.preprocess; "
        "heavy = sorted(m for m in ('torch', 'snntorch') if m in sys.modules); "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "", f"importing pulled in {result.stdout.strip()}"
