"""``spikeglyph export``: (re)write a model's ONNX graph, a quantised, fixed-point or NIR copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spikeglyph.cli.app import app, err, fail
from spikeglyph.errors import SpikeGlyphError
from spikeglyph.settings import CoreSettings


@app.command()
def export(
    model: Annotated[Path, typer.Option(help="Model directory to (re)export.")],
    int8: Annotated[bool, typer.Option(help="Also write the int8-quantised copy.")] = False,
    whatif: Annotated[
        bool,
        typer.Option(
            help="Add the what-if graph (knobs as inputs; surrogate models) and the reference "
            "activity of the validation split to MODEL as it is (model.onnx untouched)."
        ),
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Dataset root (for --int8 accuracy and --check).")
    ] = None,
    fixed_point: Annotated[
        Path | None,
        typer.Option(help="Write a fixed-point copy (8-bit weights, integer membranes) here."),
    ] = None,
    nir: Annotated[
        Path | None, typer.Option(help="Write the NIR graph (.nir, HDF5) to this file.")
    ] = None,
    check: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000,
            help="With --nir: simulate the graph (snnTorch) on this many test images and "
            "print its agreement with the served model as JSON.",
        ),
    ] = 0,
) -> None:
    """(Re)write the ONNX graph from the weights; ``--int8`` adds a quantised copy.

    ``--whatif`` adds the what-if graph and the reference activity and leaves the served graph
    as it is; ``--fixed-point`` and ``--nir`` leave MODEL as it is and write new artifacts.
    """
    from spikeglyph.train.quantize import add_int8_variant, reexport

    settings = CoreSettings()
    if check and nir is None:
        fail(ValueError("--check simulates the NIR graph: give --nir FILE as well"))
    if fixed_point is not None or nir is not None:
        _export_portable(model, fixed_point, nir, data_dir or settings.data_dir, check)
        return
    if whatif and int8:
        fail(ValueError("--whatif adds to the model as it is: run --int8 separately, first"))
    try:
        if whatif:
            from spikeglyph.train.whatif_export import add_lab_variants

            manifest = add_lab_variants(model, data_dir=data_dir or settings.data_dir)
        else:
            manifest = reexport(model, data_dir=data_dir or settings.data_dir)
        if int8:
            manifest = add_int8_variant(model, data_dir=data_dir or settings.data_dir)
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)
    err.print(
        f"[green]exported[/] {model} ({manifest.version}); files: {', '.join(manifest.files)}"
    )


def _export_portable(
    model: Path, fixed_point: Path | None, nir: Path | None, data: Path, check: int = 0
) -> None:
    """The ``--fixed-point`` / ``--nir`` (``--check``) branch of ``export``."""
    try:
        if fixed_point is not None:
            from spikeglyph.train.fixedpoint import make_fixed_point

            manifest = make_fixed_point(model, fixed_point, data_dir=data)
            metrics = manifest.metrics
            err.print(
                f"[green]wrote[/] {fixed_point} ({manifest.version}): test accuracy "
                f"{metrics['test_accuracy']:.4f} ({metrics['test_accuracy_delta'] * 100:+.2f} "
                f"points), val {metrics['val_accuracy_delta'] * 100:+.2f} points"
            )
        if nir is not None:
            from spikeglyph.train.nir_export import export_nir

            err.print(f"[green]wrote[/] {export_nir(model, nir)}")
            if check:
                from spikeglyph.train.nir_check import check_nir_on_test

                report = check_nir_on_test(model, nir, data, check)
                print(report.model_dump_json(indent=2))  # noqa: T201 - the command's output
    except (SpikeGlyphError, OSError) as exc:
        fail(exc)
