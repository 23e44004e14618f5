"""Weight figures from model directories: what each kind of network shows, the difference
view against a parent, the PNG and the JSON the page draws."""

from __future__ import annotations

import base64
import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import load_file

from spikeglyph.errors import InvalidModel
from spikeglyph.weightviews import GROWN, PRUNED, diff_set, figure_set, payload, render_png
from spikeglyph.weightviews.tensorfile import read_tensors
from tests.unit.figures.weight_models import (
    MNIST,
    STDP,
    conv_tensors,
    neurogenesis_pair,
    write_model,
)


def test_the_numpy_reader_reads_what_safetensors_reads() -> None:
    ours = read_tensors(MNIST / "weights.safetensors")
    theirs = load_file(MNIST / "weights.safetensors")
    assert ours.keys() == theirs.keys()
    for name, array in theirs.items():
        np.testing.assert_array_equal(ours[name], array)


def test_a_truncated_or_lying_file_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x01\x02")
    with pytest.raises(InvalidModel):
        read_tensors(short)
    header = b'{"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}'
    lying = tmp_path / "lying.safetensors"
    lying.write_bytes(struct.pack("<Q", len(header)) + header + b"\x00" * 16)
    with pytest.raises(InvalidModel, match="outside"):
        read_tensors(lying)


def test_conv_models_show_kernels_and_second_layer_per_output_channel() -> None:
    figures = figure_set(MNIST)
    by_name = {f.name: f for f in figures.figures}
    assert figures.kind == "conv" and set(by_name) == {"conv1", "conv2"}
    weights = load_file(MNIST / "weights.safetensors")
    np.testing.assert_allclose(by_name["conv1"].tiles, weights["convs.0.weight"][:, 0], rtol=1e-6)
    summary = by_name["conv2"].tiles[0]
    assert summary.shape == (32, 16)
    np.testing.assert_allclose(
        summary, weights["convs.1.weight"].astype(np.float64).sum(axis=(2, 3)), rtol=1e-9
    )
    assert figures.notes  # says where the spike-triggered averages are drawn


def test_stdp_tiles_are_each_neurons_input_weights_labelled_with_its_class() -> None:
    (figure,) = figure_set(STDP).figures
    weights = load_file(STDP / "weights.safetensors")
    assert figure.tiles.shape == (400, 28, 28) and not figure.signed
    np.testing.assert_allclose(figure.tiles[17].ravel(), weights["weights"][:, 17], rtol=1e-6)
    assert figure.labels == tuple(str(int(a)) for a in weights["assignments"])


def test_the_difference_view_marks_pruned_and_grown_units(tmp_path: Path) -> None:
    parent, child, old, new = neurogenesis_pair(tmp_path)
    diff = diff_set(figure_set(child), figure_set(parent))
    conv1 = next(f for f in diff.figures if f.name == "conv1")
    assert conv1.marks == (None, None, None, None, GROWN, GROWN, PRUNED, PRUNED)
    np.testing.assert_allclose(conv1.tiles[:4], 0.5, rtol=1e-5)  # kept: changed by +0.5
    np.testing.assert_allclose(conv1.tiles[4:6], new[4:, 0], rtol=1e-6)  # grown: new weights
    np.testing.assert_allclose(conv1.tiles[6:], -old[[1, 4], 0], rtol=1e-6)  # pruned: gone
    assert "conv2" not in {f.name for f in diff.figures} and diff.notes  # units differ


def test_a_fine_tune_differs_tile_by_tile(tmp_path: Path) -> None:
    parent, _, old, _ = neurogenesis_pair(tmp_path)
    child = write_model(tmp_path, "mnist-tuned", conv_tensors(old * 2), parent="mnist-parent")
    conv1 = diff_set(figure_set(child), figure_set(parent)).figures[0]
    assert conv1.marks == (None,) * 6
    np.testing.assert_allclose(conv1.tiles, old[:, 0], rtol=1e-6)


def test_the_png_is_the_grid_with_labels() -> None:
    (figure,) = figure_set(STDP).figures
    image = Image.open(io.BytesIO(render_png(figure)))
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.size == (20 * (56 + 2) + 2, 20 * (56 + 2) + 2)  # 20 columns of 56 px tiles


def test_the_json_carries_int8_tiles_on_the_figure_scale() -> None:
    figures = figure_set(MNIST)
    answer = payload(figures, lambda name: f"/png/{name}")
    conv1 = answer.figures[0]
    steps = np.frombuffer(base64.b64decode(conv1.values), dtype=np.int8)
    assert steps.shape == (conv1.count * conv1.height * conv1.width,)
    assert int(np.abs(steps).max()) == 127 and conv1.png == "/png/conv1"
    decoded = steps.reshape(conv1.count, 3, 3) / 127 * conv1.limit
    np.testing.assert_allclose(decoded, figures.figures[0].tiles, atol=conv1.limit / 127)


def test_a_fixed_point_copy_draws_its_8_bit_weights(tmp_path: Path) -> None:
    kernels = np.arange(-18, 18, dtype=np.int8).reshape(4, 1, 3, 3)
    tensors = {
        "w_conv1": kernels,
        "w_conv2": np.ones((2, 4, 3, 3), dtype=np.int8),
        "w_readout": np.ones((10, 8), dtype=np.int8),
        "hidden_idx": np.arange(2, dtype=np.int64),
    }
    figures = figure_set(write_model(tmp_path, "mnist-fixed", tensors, family="fixedpoint"))
    assert figures.kind == "conv"
    np.testing.assert_array_equal(figures.figures[0].tiles, kernels[:, 0])


def test_fc_models_show_each_hidden_neurons_input_weights(tiny_model_dir: Path) -> None:
    (figure,) = figure_set(tiny_model_dir).figures
    weights = load_file(tiny_model_dir / "weights.safetensors")["fcs.0.weight"]
    assert figure.name == "fc1" and figure.tiles.shape == (128, 28, 28)
    np.testing.assert_allclose(figure.tiles[5].ravel(), weights[5], rtol=1e-6)
