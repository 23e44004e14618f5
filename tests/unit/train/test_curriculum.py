"""Curriculum learning: the teacher's ranking, the pacing schedule, the batches it draws, and
the option as the recipe, the CLI and the ``train`` job take it."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.errors import InvalidRecipe
from spikeglyph.modeldir import load_manifest
from spikeglyph.recipe import RecipeOverrides, default_recipe, resolve
from spikeglyph.recipe.records import recipe_of
from spikeglyph.recipe.specs import CurriculumSpec
from spikeglyph.schemas import TrainParams
from spikeglyph.train import api
from spikeglyph.train.curriculum import (
    Pacing,
    competence,
    difficulty_order,
    epoch_batches,
    margins,
    teacher_margins,
)


def test_the_margin_is_the_true_logit_less_the_best_other() -> None:
    logits = torch.tensor([[3.0, 1.0, 0.5], [0.0, 2.0, 2.5]])
    assert margins(logits, torch.tensor([0, 1])).tolist() == [2.0, -0.5]


def test_the_order_is_easiest_first_and_ties_keep_their_index_order() -> None:
    assert difficulty_order(np.array([0.5, 2.0, -1.0, 2.0, 0.5])).tolist() == [1, 3, 0, 4, 2]


def _halves(count: int, flipped: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 lights the top half, class 1 the bottom; the first ``flipped`` labels lie."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 2
    images = rng.integers(0, 40, size=(count, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        rows = slice(0, 14) if label == 0 else slice(14, 28)
        images[i, rows] = 220
    labels[:flipped] = 1 - labels[:flipped]
    return images, labels.astype(np.uint8)


def test_the_cross_fitted_teacher_ranks_mislabelled_images_hardest() -> None:
    images, labels = _halves(80, flipped=4)
    order = difficulty_order(teacher_margins(images, labels, seed=0, classes=2))
    assert sorted(order[-4:].tolist()) == [0, 1, 2, 3]
    assert teacher_margins(images, labels, seed=0, classes=2).tolist() == (
        teacher_margins(images, labels, seed=0, classes=2).tolist()
    )


@pytest.mark.parametrize("pacing", ["linear", "root"])
def test_competence_starts_at_start_and_reaches_one_at_the_ramp(pacing: str) -> None:
    spec = CurriculumSpec(kind="teacher", start=0.2, ramp=0.5, pacing=pacing)  # type: ignore[arg-type]
    values = [competence(t, 100, spec) for t in range(101)]
    assert values[0] == pytest.approx(0.2)
    assert values[50] == 1.0 and values[49] < 1.0 and values[-1] == 1.0
    assert all(b >= a for a, b in itertools.pairwise(values))
    halfway = 0.2 + 0.8 * 0.5 if pacing == "linear" else math.sqrt(0.04 + 0.96 * 0.5)
    assert values[25] == pytest.approx(halfway)


def test_paced_batches_draw_only_from_the_easiest_images_until_the_ramp_ends() -> None:
    ranked = torch.arange(99, -1, -1)  # image 99 is the easiest
    spec = CurriculumSpec(kind="teacher", start=0.2, ramp=0.5, pacing="linear")
    pacing = Pacing(ranked, spec, total_steps=20)  # 2 epochs of 10 batches
    first = epoch_batches(100, 10, torch.Generator().manual_seed(0), pacing, epoch=0)
    assert [len(b) for b in first] == [10] * 10
    for step, batch in enumerate(first):
        pool = math.ceil(competence(step, 20, spec) * 100)
        assert set(batch.tolist()) <= set(ranked[:pool].tolist())
        assert len(set(batch.tolist())) == len(batch)  # without replacement
    assert set(first[0].tolist()) <= set(range(80, 100))
    second = epoch_batches(100, 10, torch.Generator().manual_seed(1), pacing, epoch=1)
    assert set(torch.cat(second).tolist()) - set(range(80, 100))  # all images are in by then


def test_random_order_is_the_seeded_permutation_the_loop_always_used() -> None:
    batches = epoch_batches(25, 10, torch.Generator().manual_seed(3))
    expected = torch.randperm(25, generator=torch.Generator().manual_seed(3))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert torch.equal(torch.cat(batches), expected)


def test_the_recipe_leaves_out_a_curriculum_that_is_off() -> None:
    recipe = default_recipe()
    assert "curriculum" not in recipe.to_dict()
    paced = resolve(RecipeOverrides(curriculum="teacher"))
    assert paced.to_dict()["curriculum"]["kind"] == "teacher"
    assert paced.fingerprint() != recipe.fingerprint()
    assert resolve(RecipeOverrides(curriculum="off")).fingerprint() == recipe.fingerprint()


def test_stdp_refuses_a_curriculum() -> None:
    with pytest.raises(InvalidRecipe, match="curriculum"):
        resolve(RecipeOverrides(arch="stdp", curriculum="teacher"))


def test_the_train_job_trains_with_a_curriculum_and_records_it(
    data_dir: Path, tmp_path: Path
) -> None:
    params = TrainParams.model_validate(
        {
            "arch": "fc",
            "epochs": 1,
            "timesteps": 2,
            "max_samples": 300,
            "batch_size": 100,
            "curriculum": "teacher",
        }
    )
    assert params.model_json_schema()["properties"]["curriculum"]["x-recipe-defaults"]
    model = api.train(params, data_dir=data_dir, workdir=tmp_path, device="cpu")
    recipe = recipe_of(load_manifest(model))
    assert recipe.curriculum.kind == "teacher"  # type: ignore[union-attr]


def test_the_cli_option_sets_the_recipes_curriculum() -> None:
    from typer.testing import CliRunner

    from spikeglyph.cli import app

    args = ["train", "--arch", "fc", "--curriculum", "teacher", "--print-recipe"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["curriculum"] == {
        "kind": "teacher",
        "start": 0.2,
        "ramp": 0.5,
        "pacing": "root",
    }
    refused = CliRunner().invoke(app, ["train", "--arch", "stdp", "--curriculum", "teacher"])
    assert refused.exit_code != 0 and "curriculum" in refused.output
