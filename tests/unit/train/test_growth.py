"""Error-driven widening of the surrogate-gradient network: it grows the layer where the
errors' gradient concentrates, by exactly the units it reports, without changing the answers,
and the grown network exports and serves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.recipe import default_recipe
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.evaluation import to_tensor, val_sample
from spikeglyph.train.growth import error_signal, hidden_widths, predictions, widen_where_errors
from spikeglyph.train.modelio import save_model
from spikeglyph.train.network import SpikingNet


def _net(hidden: tuple[int, ...] = (6, 5)) -> SpikingNet:
    torch.manual_seed(0)
    recipe = default_recipe("mnist", "fc")
    return SpikingNet(recipe.arch.with_widths((), hidden), recipe.encoder, 3)


def _images(count: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (count, 28, 28)).astype(np.uint8), rng.integers(0, 10, count)


def test_it_widens_the_layer_with_the_largest_error_signal_by_what_it_reports() -> None:
    net, (images, labels) = _net(), _images()
    wrong = predictions(net, images) != labels
    expected = int(np.argmax(error_signal(net, images[wrong], labels[wrong])))
    grown, step = widen_where_errors(net, images, labels, units=3, seed=0)
    assert step.layer == expected and step.added == 3
    widths = list(hidden_widths(net))
    widths[expected] += 3
    assert hidden_widths(grown) == step.widths == tuple(widths)
    assert hidden_widths(net) == (6, 5)  # the network given is left as it was


def test_widening_keeps_the_answers_and_starts_new_units_from_errors() -> None:
    net, (images, labels) = _net((7,)), _images()
    grown, step = widen_where_errors(net, images, labels, units=4, seed=1)
    assert (step.layer, step.added) == (0, 4)
    net.eval(), grown.eval()
    with torch.no_grad():
        x = to_tensor(images)
        assert torch.allclose(grown(x).logits, net(x).logits, atol=1e-6)
    new_rows = grown.fcs[0].weight.detach()[7:]
    assert torch.allclose(grown.readout.weight.detach()[:, 7:], torch.zeros(10, 4))
    old_norm = float(net.fcs[0].weight.detach().norm(dim=1).mean())
    assert new_rows.norm(dim=1).tolist() == pytest.approx([old_norm] * 4, rel=1e-5)
    assert torch.allclose(new_rows.mean(1), torch.zeros(4), atol=1e-6)  # centred images


def test_without_errors_nothing_grows() -> None:
    net, (images, _) = _net(), _images()
    grown, step = widen_where_errors(net, images, predictions(net, images), units=3, seed=0)
    assert grown is net and step.added == 0


def test_a_widened_network_exports_and_serves(tmp_path: Path) -> None:
    net, (images, labels) = _net((6,)), _images()
    grown, _ = widen_where_errors(net, images, labels, units=2, seed=0)
    save_model(
        grown.eval(),
        tmp_path / "m",
        dataset="mnist",
        version="mnist-fc-grown",
        metrics={},
        training={},
        sample_images=val_sample(images, 4),
    )
    got = ModelRunner(tmp_path / "m", device="cpu").run(to_tensor(images[:4]).numpy())
    with torch.no_grad():
        expected = grown(to_tensor(images[:4])).logits.argmax(1).numpy()
    assert np.array_equal(got.logits.argmax(1), expected)
