"""Batch augmentation: bounds, determinism, and blur-free whole-pixel shifts for garments."""

from __future__ import annotations

import torch

from spikeglyph.train.augment import AugmentSpec, augment, default_augment


def _images(n: int = 16) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def test_disabled_augmentation_returns_the_batch_unchanged() -> None:
    x = _images()
    assert torch.equal(augment(x, AugmentSpec(enabled=False)), x)


def test_digit_augmentation_is_seeded_bounded_and_changes_images() -> None:
    x = _images()
    spec = default_augment("mnist")
    a = augment(x, spec, torch.Generator().manual_seed(3))
    b = augment(x, spec, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1
    assert not torch.allclose(a, x)


def test_garment_augmentation_only_moves_and_mirrors_whole_pixels() -> None:
    x = _images(32)
    out = augment(x, default_augment("fashion-mnist"), torch.Generator().manual_seed(1))
    moved = 0
    for src, dst in zip(x, out, strict=True):
        # every output pixel is an input pixel (or the zero border): no interpolation blur
        assert torch.isin(dst, torch.cat([src.flatten(), torch.zeros(1)])).all()
        moved += int(not torch.equal(src, dst))
    assert moved > 16


def test_garment_shift_is_a_translation_of_the_mirrored_or_plain_image() -> None:
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 10:18, 6:12] = 1.0  # an off-centre block: mirroring moves it
    spec = AugmentSpec(
        rotate_deg=0, scale=0, shear=0, shift_px=2, thicken_p=0, thin_p=0, whole_pixels=True
    )
    for seed in range(8):
        out = augment(x, spec, torch.Generator().manual_seed(seed))[0, 0]
        rows, cols = torch.nonzero(out, as_tuple=True)
        assert out.sum() == 48  # 8×6 block, kept whole (shift ≤ 2 px keeps it inside)
        assert rows.max() - rows.min() == 7 and cols.max() - cols.min() == 5
        assert abs(int(rows.min()) - 10) <= 2 and abs(int(cols.min()) - 6) <= 2
