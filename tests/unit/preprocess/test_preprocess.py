"""preprocess: drawings, photos and MNIST digits all land in the same 28×28 form."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from spikeglyph.errors import BlankImage, InvalidImage, UnsupportedImage
from spikeglyph.preprocess import CENTRE, preprocess
from tests.unit.preprocess.drawing import (
    bbox_long_side,
    centre_of_mass,
    draw_digit,
    encode,
    similarity,
)


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """The canonical result: black ink on a white 280×280 canvas, as the web canvas sends."""
    return preprocess(encode(draw_digit(), "PNG"))


def _inverted_alpha(image: Image.Image) -> Image.Image:
    return Image.eval(image, lambda value: 255 - value)


def test_output_is_mnist_shaped(reference: np.ndarray) -> None:
    assert reference.shape == (28, 28)
    assert reference.dtype == np.float32
    assert reference.min() >= 0.0
    assert reference.max() == pytest.approx(1.0)
    # Ink, not paper, is 1: most of the field is empty.
    assert (reference < 0.05).mean() > 0.6


def test_digit_is_scaled_to_20_px_and_centred(reference: np.ndarray) -> None:
    assert bbox_long_side(reference) in (19, 20)
    com_y, com_x = centre_of_mass(reference)
    assert abs(com_y - CENTRE) <= 1 and abs(com_x - CENTRE) <= 1


def test_tiny_off_centre_digit_is_enlarged_and_centred() -> None:
    tiny = draw_digit((300, 300), box=(250, 10, 262, 30), width=2)
    field = preprocess(encode(tiny, "PNG"))
    assert bbox_long_side(field) in (19, 20)
    com_y, com_x = centre_of_mass(field)
    assert abs(com_y - CENTRE) <= 1 and abs(com_x - CENTRE) <= 1


def test_wide_digit_keeps_its_aspect_ratio() -> None:
    wide = Image.new("L", (200, 100), 255)
    wide.paste(0, (20, 40, 180, 60))  # a 160×20 bar
    field = preprocess(wide)
    rows = np.flatnonzero((field > 0.1).any(axis=1))
    cols = np.flatnonzero((field > 0.1).any(axis=0))
    assert len(cols) == 20
    assert 2 <= len(rows) <= 4


def test_light_ink_on_dark_paper_gives_the_same_result(reference: np.ndarray) -> None:
    inverted = preprocess(encode(draw_digit(ink=255, paper=0), "PNG"))
    np.testing.assert_allclose(inverted, reference, atol=0.02)


def test_grey_ink_on_grey_paper_is_stretched_to_full_contrast(reference: np.ndarray) -> None:
    faint = preprocess(encode(draw_digit(ink=90, paper=160), "PNG"))
    np.testing.assert_allclose(faint, reference, atol=0.02)


def test_transparent_background_is_flattened_onto_white(reference: np.ndarray) -> None:
    alpha = _inverted_alpha(draw_digit())
    black = Image.new("L", alpha.size, 0)
    rgba = Image.merge("RGBA", (black, black, black, alpha))
    np.testing.assert_allclose(preprocess(encode(rgba, "PNG")), reference, atol=0.02)


def test_white_strokes_on_a_transparent_canvas_use_the_alpha(reference: np.ndarray) -> None:
    alpha = _inverted_alpha(draw_digit())
    white = Image.new("L", alpha.size, 255)
    rgba = Image.merge("RGBA", (white, white, white, alpha))
    np.testing.assert_allclose(preprocess(encode(rgba, "PNG")), reference, atol=0.02)


def test_la_and_bilevel_and_palette_modes(reference: np.ndarray) -> None:
    digit = draw_digit()
    la = Image.merge("LA", (digit, Image.new("L", digit.size, 255)))
    bilevel = digit.point(lambda value: 255 if value > 127 else 0).convert("1")
    palette = digit.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    for image in (la, bilevel, palette):
        np.testing.assert_allclose(preprocess(image), reference, atol=0.05, err_msg=image.mode)


def test_palette_gif_with_transparency(reference: np.ndarray) -> None:
    digit = draw_digit().point(lambda value: 255 if value > 127 else 0)
    palette = digit.convert("P")
    data = encode(palette, "GIF", transparency=255)  # the paper is the transparent colour
    np.testing.assert_allclose(preprocess(data), reference, atol=0.05)


def test_animated_gif_uses_its_first_frame(reference: np.ndarray) -> None:
    first = draw_digit()
    second = Image.new("L", first.size, 255)
    second.paste(0, (130, 20, 150, 260))
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    np.testing.assert_allclose(preprocess(data), reference, atol=0.05)


def test_sixteen_bit_png(reference: np.ndarray) -> None:
    deep = (np.asarray(draw_digit(), dtype=np.uint16) * 257).astype(np.uint16)
    image = Image.fromarray(deep)
    assert image.mode.startswith("I;16")
    np.testing.assert_allclose(preprocess(encode(image, "PNG")), reference, atol=0.02)


def test_cmyk_jpeg(reference: np.ndarray) -> None:
    cmyk = draw_digit().convert("RGB").convert("CMYK")
    assert similarity(preprocess(encode(cmyk, "JPEG", quality=95)), reference) > 0.98


def test_photo_of_ink_on_uneven_noisy_paper(reference: np.ndarray) -> None:
    """Grey paper with a lighting gradient, sensor noise and a speck of dirt, saved as JPEG."""
    rng = np.random.default_rng(0)
    height, width = 600, 800
    ys, xs = np.mgrid[0:height, 0:width]
    paper = 170 + 30 * xs / width - 20 * ys / height + rng.normal(0, 8, (height, width))
    box = (300, 120, 500, 480)
    stroke = np.asarray(draw_digit((width, height), ink=255, paper=0, box=box)) / 255
    ink = 45 + rng.normal(0, 8, (height, width))
    photo = np.clip(paper * (1 - stroke) + ink * stroke, 0, 255).astype(np.uint8)
    photo[40:43, 700:703] = 40  # a stray speck of dirt far from the digit
    data = encode(Image.fromarray(photo).convert("RGB"), "JPEG", quality=80)
    result = preprocess(data)
    clean = preprocess(draw_digit((width, height), box=box))
    assert similarity(result, clean) > 0.95
    # The paper's noise must not leak into the field as specks.
    assert (result[clean == 0] > 0.2).sum() <= 3


@pytest.mark.parametrize(
    ("paper", "ink", "noise"),
    [
        (255, 40, 8),  # overexposed white paper: the noise is clipped on one side
        (235, 110, 3),  # faint grain, pencil-grey ink
        (180, 40, 3),
        (200, 90, 14),  # very grainy
        (40, 220, 6),  # chalk on a blackboard
        (0, 200, 8),  # light ink on black, noise clipped at black
    ],
)
def test_photos_across_paper_ink_and_noise_levels(paper: int, ink: int, noise: int) -> None:
    rng = np.random.default_rng(paper + ink + noise)
    height, width = 240, 320
    box = (120, 50, 200, 200)
    stroke = np.asarray(draw_digit((width, height), ink=255, paper=0, box=box)) / 255
    pixels = (paper + rng.normal(0, noise, (height, width))) * (1 - stroke) + (
        ink + rng.normal(0, noise, (height, width))
    ) * stroke
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGB")
    result = preprocess(encode(photo, "JPEG", quality=85))
    assert similarity(result, preprocess(draw_digit((width, height), box=box))) > 0.95
    assert bbox_long_side(result, threshold=0.3) in (19, 20)


def test_large_photo_is_reduced_and_still_read() -> None:
    big = draw_digit((3000, 2000)).convert("RGB")
    result = preprocess(encode(big, "JPEG", quality=90))
    same_drawing_small = preprocess(draw_digit((600, 400)))
    assert bbox_long_side(result) in (19, 20)
    assert similarity(result, same_drawing_small) > 0.95


def test_numpy_inputs(reference: np.ndarray) -> None:
    gray = np.asarray(draw_digit())
    rgb = np.repeat(gray[..., None], 3, axis=2)
    floats = gray.astype(np.float64) / 255
    for array in (gray, rgb, floats, gray[None]):
        np.testing.assert_allclose(preprocess(array), reference, atol=0.02)


@pytest.mark.parametrize("colour", [0, 255, 128])
@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_blank_image_is_a_clear_error(colour: int, image_format: str) -> None:
    blank = Image.new("L", (280, 280), colour)
    with pytest.raises(BlankImage, match="blank"):
        preprocess(encode(blank, image_format))


def test_one_pixel_image_is_blank() -> None:
    with pytest.raises(BlankImage):
        preprocess(encode(Image.new("L", (1, 1), 0), "PNG"))


def test_faint_noise_alone_is_blank() -> None:
    rng = np.random.default_rng(1)
    noise = (200 + rng.integers(0, 3, (100, 100))).astype(np.uint8)
    with pytest.raises(BlankImage):
        preprocess(noise)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidImage):
        preprocess(b"")
    with pytest.raises(UnsupportedImage):
        preprocess(b"<svg></svg>")
    with pytest.raises(InvalidImage, match="NaN"):
        preprocess(np.full((28, 28), np.nan))
    with pytest.raises(InvalidImage, match="shape"):
        preprocess(np.zeros((2, 3, 4, 5)))
    with pytest.raises(UnsupportedImage):
        preprocess("digit.png")  # type: ignore[arg-type]


def test_preprocessing_is_idempotent(reference: np.ndarray) -> None:
    np.testing.assert_allclose(preprocess(reference), reference, atol=0.02)
