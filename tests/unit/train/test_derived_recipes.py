"""finetune and neurogenesis train with their base model's recipe, augmentation included.

Regression: they used to build a fresh training configuration, so a Fashion-MNIST model was
fine-tuned with the digits' rotations, scaling and shear, which hurt garments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.data import load_split
from spikeglyph.schemas import FinetuneParams, NeurogenesisParams
from spikeglyph.train import api, loop
from spikeglyph.train.augment import AugmentSpec, default_augment


@pytest.fixture(scope="module")
def fashion_base(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A small Fashion-MNIST model trained by the CLI with its dataset's recipe."""
    out = tmp_path_factory.mktemp("fashion") / "base"
    args = [
        "train", "--dataset", "fashion-mnist", "--arch", "fc", "--hidden", "32", "--epochs", "1",
        "--timesteps", "2", "--max-samples", "300", "--device", "cpu", "--out", str(out),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def _spy_on_augmentation(monkeypatch: pytest.MonkeyPatch) -> list[AugmentSpec]:
    """Record the augmentation of every training batch (and leave the images as they are)."""
    applied: list[AugmentSpec] = []

    def spy(
        images: torch.Tensor, spec: AugmentSpec, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        applied.append(spec)
        return images

    monkeypatch.setattr(loop, "augment", spy)
    return applied


def test_finetune_of_a_garment_model_keeps_garment_augmentation(
    fashion_base: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied = _spy_on_augmentation(monkeypatch)
    test_x, test_y = load_split(data_dir, "fashion-mnist", "test")
    api.finetune(
        fashion_base,
        test_x[:40],
        test_y[:40],
        data_dir=data_dir,
        params=FinetuneParams(epochs=1, max_val_samples=200),
        workdir=tmp_path,
        device="cpu",
    )
    garments = default_augment("fashion-mnist")
    assert applied, "fine-tuning trained no batch"
    assert all(spec == garments for spec in applied), f"trained with {applied[0]}"
    assert garments.rotate_deg == garments.shear == garments.scale == 0.0


def test_neurogenesis_of_a_garment_model_keeps_garment_augmentation(
    fashion_base: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied = _spy_on_augmentation(monkeypatch)
    params = NeurogenesisParams(
        prune_fraction=0.3, grow_fraction=0.0, finetune_epochs=1, max_samples=300
    )
    api.neurogenesis(fashion_base, data_dir=data_dir, params=params, workdir=tmp_path, device="cpu")
    garments = default_augment("fashion-mnist")
    assert applied, "neurogenesis fine-tuned on no batch"
    assert all(spec == garments for spec in applied), f"trained with {applied[0]}"


def _training(model_dir: Path) -> dict[str, object]:
    training: dict[str, object] = json.loads((model_dir / "manifest.json").read_text())["training"]
    return training


def test_a_finetuned_manifest_records_its_recipe_and_what_changed(
    fashion_base: Path, data_dir: Path, tmp_path: Path
) -> None:
    test_x, test_y = load_split(data_dir, "fashion-mnist", "test")
    params = FinetuneParams(epochs=1, lr_factor=0.5, max_val_samples=200, seed=7)
    new = api.finetune(
        fashion_base, test_x[:40], test_y[:40], data_dir=data_dir, params=params,
        workdir=tmp_path, device="cpu",
    )  # fmt: skip
    base, derived = _training(fashion_base)["recipe"], _training(new)["recipe"]
    assert isinstance(base, dict) and isinstance(derived, dict)
    assert derived["augment"] == base["augment"] and derived["dataset"] == "fashion-mnist"
    assert derived["lr"] == pytest.approx(base["lr"] * 0.5)
    source = _training(new)["derived_from"]
    assert isinstance(source, dict)
    assert source["job"] == "finetune"
    assert source["version"] == json.loads((fashion_base / "manifest.json").read_text())["version"]
    # the base trained 1 epoch on its first 300 images; fine-tuning trains on its mix
    assert set(source["changes"]) == {"lr", "warmup_frac", "batch_size", "seed", "max_samples"}
    assert source["changes"]["seed"] == {"from": 0, "to": 7}


def test_a_neurogenesis_manifest_records_the_rebuilt_architecture_as_a_change(
    fashion_base: Path, data_dir: Path, tmp_path: Path
) -> None:
    params = NeurogenesisParams(prune_fraction=0.5, grow_fraction=0.0, finetune_epochs=1)
    new = api.neurogenesis(
        fashion_base, data_dir=data_dir, params=params, workdir=tmp_path, device="cpu"
    )
    training = _training(new)
    recipe, source = training["recipe"], training["derived_from"]
    assert isinstance(recipe, dict) and isinstance(source, dict)
    assert recipe["max_samples"] == 300  # unset: the base recipe's
    assert recipe["rate_reg"] > 0  # energy-aware fine-tuning
    changes = source["changes"]
    assert changes["arch.hidden"]["from"] == [32] and changes["arch.hidden"]["to"][0] < 32
    assert "augment.rotate_deg" not in changes and "dataset" not in changes
