"""The ``spikeglyph`` command on a base install: a clear message, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run the entry point as if typer were not installed (a base `pip install spikeglyph`).
WITHOUT_TYPER = """
import sys
sys.modules["typer"] = None  # importing it now raises ModuleNotFoundError, as when absent
from spikeglyph.command import main
main()
"""


def test_without_the_cli_extra_the_command_says_what_to_install() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TYPER, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "pip install 'spikeglyph[cli]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_with_the_cli_extra_the_command_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from spikeglyph.command import main

    monkeypatch.setattr(sys, "argv", ["spikeglyph", "--help"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
