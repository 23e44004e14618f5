"""The file tables of the services' and the web app's READMEs list exactly the files that exist.

A table whose header starts with ``| file |`` names files in backticks in its first column,
relative to the directory its README describes (a name ending in ``/`` is a folder described
by the rows below it). Every file of that directory is listed (``__init__.py`` files and
compiled caches aside), and every listed file exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
# README → the directory its file tables describe
DESCRIBED = {
    "services/gateway/README.md": "services/gateway/src/spikeglyph_gateway",
    "services/inference/README.md": "services/inference/src/spikeglyph_inference",
    "services/trainer/README.md": "services/trainer/src/spikeglyph_trainer",
    "frontend/README.md": "frontend",
}
NOT_LISTED = {"__init__.py", "README.md"}


def listed_files(readme: str) -> set[str]:
    """Every backticked name in the first column of the ``| file |`` tables of ``readme``."""
    names: set[str] = set()
    in_table = False
    for line in readme.splitlines():
        if line.startswith("| file |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([^`]+)`", first_cell))
    return {name for name in names if not name.endswith("/")}


def existing_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.endswith(".egg-info") for part in path.parts)
        and path.name not in NOT_LISTED
    }


def test_a_table_is_read_from_its_first_column_only() -> None:
    readme = "\n".join(
        [
            "| file | what |",
            "|---|---|",
            "| `a.py`, `b/c.py` | calls `not_a_file.py` |",
            "| `jobs/` | a folder |",
            "",
            "| variable | default |",
            "|---|---|",
            "| `x.py` | 1 |",
        ]
    )
    assert listed_files(readme) == {"a.py", "b/c.py"}


@pytest.mark.parametrize("readme", sorted(DESCRIBED))
def test_the_file_table_lists_the_files_that_exist(readme: str) -> None:
    listed = listed_files((REPO / readme).read_text())
    existing = existing_files(REPO / DESCRIBED[readme])
    assert listed, f"{readme} has no file table"
    assert not listed - existing, f"{readme} lists files that do not exist: {listed - existing}"
    assert not existing - listed, f"{readme} does not list: {sorted(existing - listed)}"
