"""The commands that made the shipped models (docs/MODELS.md, docs/STDP.md) resolve to the
recipes their manifests record, and ``train --help`` shows the recipe's defaults without
loading torch."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.modeldir import read_manifest
from spikeglyph.recipe import default_recipe, default_stdp_recipe
from spikeglyph.recipe.records import recipe_of

REPO = Path(__file__).resolve().parents[3]
DOCS = (REPO / "docs" / "MODELS.md", REPO / "docs" / "STDP.md", REPO / "docs" / "RESEARCH.md")
# Made from another shipped model by ``spikeglyph readout``, not by a training recipe.
READOUT_FAMILIES = {"rstdp"}


def documented_train_commands(command: str = "train") -> list[list[str]]:
    """Every ``spikeglyph <command>`` command of the model docs that writes into ``models/``,
    as arguments."""
    commands = []
    for doc in DOCS:
        for block in re.findall(r"```[a-z]*\n(.*?)```", doc.read_text(), flags=re.S):
            text = block.replace("\\\n", " ")
            for line in text.splitlines():
                if f"spikeglyph {command} " in line:
                    args = shlex.split(line[line.index(f"spikeglyph {command}") :])[1:]
                    if args[args.index("--out") + 1].startswith("models/"):
                        commands.append(args)
    return commands


def _out(args: list[str]) -> Path:
    return REPO / args[args.index("--out") + 1]


def _shipped(readout: bool) -> set[str]:
    return {
        path.parent.name
        for path in (REPO / "models").glob("*/manifest.json")
        if (read_manifest(path.parent).family in READOUT_FAMILIES) is readout
    }


def test_every_shipped_model_has_its_documented_command() -> None:
    documented = {_out(args).name for args in documented_train_commands()}
    assert documented == _shipped(readout=False)


def test_every_shipped_readout_has_its_documented_command_from_its_parent() -> None:
    commands = documented_train_commands("readout")
    assert {_out(args).name for args in commands} == _shipped(readout=True)
    for args in commands:
        base = read_manifest(REPO / args[args.index("--base") + 1])
        assert read_manifest(_out(args)).parent == base.version


@pytest.mark.parametrize("args", documented_train_commands(), ids=lambda a: _out(a).name)
def test_a_documented_command_resolves_to_the_recipe_in_its_manifest(args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--print-recipe"])
    assert result.exit_code == 0, result.output
    recorded = recipe_of(read_manifest(_out(args)))
    assert json.loads(result.output) == recorded.to_dict()


def test_recipe_options_change_only_their_fields_on_the_command_line() -> None:
    args = [
        "train",
        "--dataset",
        "fashion-mnist",
        "--epochs",
        "3",
        "--no-augment",
        "--print-recipe",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = default_recipe("fashion-mnist").with_changes(
        epochs=3, augment={**default_recipe("fashion-mnist").augment.__dict__, "enabled": False}
    )
    assert json.loads(result.output) == expected.to_dict()


HELP_PROBE = """
import sys
from typer.testing import CliRunner
from spikeglyph.cli import app
result = CliRunner().invoke(app, ["train", "--help"])
assert result.exit_code == 0, result.output
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "snntorch"))
print(" ".join(result.output.split()))
print("LOADED", loaded)
"""


def test_train_help_shows_the_recipes_defaults_without_loading_torch() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", HELP_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "COLUMNS": "250"},  # one line per option: no wrapped help text
    )
    text, loaded = probe.stdout.strip().splitlines()
    assert loaded == "LOADED []"
    mnist, fashion = default_recipe("mnist"), default_recipe("fashion-mnist")
    stdp = default_stdp_recipe()
    assert (
        f"Training epochs (recipe: mnist {mnist.epochs}, fashion-mnist {fashion.epochs}; "
        f"stdp {stdp.epochs})"
    ) in text
    assert f"(recipe: {mnist.lr})" in text
    assert f"(recipe: {mnist.timesteps}; stdp {stdp.spec.timesteps})" in text
