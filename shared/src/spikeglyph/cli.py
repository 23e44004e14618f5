"""``spikeglyph`` — train, evaluate, export, predict and inspect models from the shell.

torch is imported only by the commands that need it (``train``, ``export``); ``evaluate``,
``predict`` and ``info`` run on the torch-free core with ONNX Runtime, exactly as served.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from spikeglyph.errors import SpikeGlyphError
from spikeglyph.settings import CoreSettings

app = typer.Typer(
    name="spikeglyph",
    help="Spiking neural network digit recognition: train, evaluate, export, predict.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()


class Dataset(StrEnum):
    mnist = "mnist"
    fashion = "fashion-mnist"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Arch(StrEnum):
    conv = "conv"
    fc = "fc"
    stdp = "stdp"


class StdpRuleName(StrEnum):
    pair = "pair"
    triplet = "triplet"


class Pool(StrEnum):
    spikes = "spikes"
    current = "current"


class Encoder(StrEnum):
    direct = "direct"
    rate = "rate"
    latency = "latency"


class Split(StrEnum):
    train = "train"
    val = "val"
    test = "test"


def _widths(text: str, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"{what} must be comma-separated integers, e.g. 32,64") from None


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(2)


def _train_stdp(
    *,
    out_dir: Path,
    workdir: Path | None,
    data_dir: Path | None,
    device: str,
    report_test: bool,
    threads: int | None,
    options: dict[str, Any],
) -> None:
    """The ``--arch stdp`` branch of ``train`` (unsupervised STDP, Diehl & Cook 2015)."""
    from spikeglyph.train.stdp import cli_train

    try:
        config = cli_train.build_config(**options)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if out_dir.exists():
        _fail(FileExistsError(f"{out_dir} already exists; choose another --out"))
    try:
        cli_train.run(
            config,
            out_dir=out_dir,
            workdir=workdir or out_dir.with_name(out_dir.name + ".work"),
            data_dir=data_dir or CoreSettings().data_dir,
            device=device,
            report_test=report_test,
            console=err,
            threads=threads,
        )
    except (SpikeGlyphError, OSError) as exc:
        _fail(exc)


@app.command()
def train(
    out_dir: Annotated[Path, typer.Option("--out", help="Model directory to write.")],
    dataset: Annotated[Dataset, typer.Option(help="Dataset to train on.")] = Dataset.mnist,
    epochs: Annotated[
        int | None, typer.Option(min=1, help="Training epochs (default 10; stdp 1).")
    ] = None,
    timesteps: Annotated[
        int | None, typer.Option(min=1, help="Time steps T (default 4, at most 64; stdp 100).")
    ] = None,
    max_samples: Annotated[
        int | None, typer.Option(min=10, help="Use only this many training samples.")
    ] = None,
    device: Annotated[Device, typer.Option(help="auto picks CUDA when available.")] = Device.auto,
    arch: Annotated[Arch, typer.Option(help="conv (default) or fc.")] = Arch.conv,
    channels: Annotated[str, typer.Option(help="Conv channels per block.")] = "16,32",
    hidden: Annotated[
        str | None,
        typer.Option(
            help='Hidden fully-connected widths (default 256 for conv, 512 for fc; "" for none).',
            show_default=False,
        ),
    ] = None,
    pool: Annotated[
        Pool,
        typer.Option(help="conv: max-pool each block's input current (cheaper) or its spikes."),
    ] = Pool.current,
    encoder: Annotated[Encoder, typer.Option(help="Input encoding.")] = Encoder.direct,
    surrogate: Annotated[
        str, typer.Option(help="atan, fast_sigmoid, sigmoid, triangular, straight_through.")
    ] = "atan",
    tau: Annotated[float, typer.Option(help="Initial membrane time constant (steps).")] = 2.0,
    adaptive: Annotated[bool, typer.Option(help="Adaptive thresholds (ALIF).")] = False,
    rate_reg: Annotated[
        float, typer.Option(help="Firing-rate penalty weight (energy-aware).")
    ] = 0.0,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Default 128; stdp 32.")] = None,
    lr: Annotated[float, typer.Option(help="Peak AdamW learning rate.")] = 3e-3,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 0,
    augment: Annotated[bool, typer.Option(help="Affine and stroke-thickness augmentation.")] = True,
    workdir: Annotated[Path | None, typer.Option(help="Checkpoints (default: OUT.work).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Dataset root (default SPIKEGLYPH_DATA_DIR).")
    ] = None,
    report_test: Annotated[
        bool, typer.Option(help="Also report test accuracy in the manifest.")
    ] = False,
    int8: Annotated[bool, typer.Option(help="Also write an int8-quantised ONNX copy.")] = False,
    neurons: Annotated[int, typer.Option(min=1, help="stdp: excitatory neurons.")] = 400,
    stdp_rule: Annotated[
        StdpRuleName, typer.Option(help="stdp: pair or triplet STDP.")
    ] = StdpRuleName.pair,
    max_rate: Annotated[
        float, typer.Option(min=1.0, help="stdp: input rate of a white pixel, Hz.")
    ] = 128.0,
    threads: Annotated[
        int | None, typer.Option(min=1, help="stdp: CPU threads torch may use.")
    ] = None,
) -> None:
    """Train a spiking network and write a model directory (resumes from OUT.work)."""
    if arch == Arch.stdp:
        _train_stdp(
            out_dir=out_dir,
            workdir=workdir,
            data_dir=data_dir,
            device=device.value,
            report_test=report_test,
            threads=threads,
            options={
                "dataset": dataset.value,
                "neurons": neurons,
                "timesteps": timesteps,
                "epochs": epochs,
                "batch_size": batch_size,
                "max_samples": max_samples,
                "seed": seed,
                "rule": stdp_rule.value,
                "max_rate_hz": max_rate,
            },
        )
        return
    epochs = 10 if epochs is None else epochs
    timesteps = 4 if timesteps is None else timesteps
    batch_size = 128 if batch_size is None else batch_size
    if timesteps > 64:
        raise typer.BadParameter("--timesteps is at most 64 for surrogate-gradient models")
    from spikeglyph.train.augment import AugmentSpec, default_augment
    from spikeglyph.train.config import TrainConfig
    from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec, default_arch

    settings = CoreSettings()
    try:
        neuron = NeuronSpec(tau_init=tau, surrogate=surrogate, adaptive=adaptive)
        kind: Literal["conv", "fc"] = "conv" if arch == Arch.conv else "fc"
        arch_spec = ArchSpec(
            kind=kind,
            channels=_widths(channels, "--channels") if arch == Arch.conv else (),
            hidden=default_arch(kind).hidden if hidden is None else _widths(hidden, "--hidden"),
            neuron=neuron,
            pool=pool.value if kind == "conv" else "spikes",  # fc networks have no pooling
        )
        config = TrainConfig(
            dataset=dataset.value,
            arch=arch_spec,
            encoder=EncoderSpec(kind=encoder.value, seed=seed),
            timesteps=timesteps,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            rate_reg=rate_reg,
            max_samples=max_samples,
            seed=seed,
            augment=default_augment(dataset.value) if augment else AugmentSpec(enabled=False),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if out_dir.exists() and not (out_dir / "manifest.json").is_file():
        _fail(ValueError(f"{out_dir} exists and is not a model directory"))
    if (out_dir / "manifest.json").is_file():
        _fail(FileExistsError(f"{out_dir} already holds a model; choose another --out"))
    from spikeglyph.train.api import train_config
    from spikeglyph.train.cli_progress import RichProgress

    work = workdir or out_dir.with_name(out_dir.name + ".work")
    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    try:
        with RichProgress(err) as bar:
            model_dir = train_config(
                config,
                data_dir=data_dir or settings.data_dir,
                workdir=work,
                device=device.value,
                progress=bar.update,
                report_test=report_test,
            )
        if int8:
            from spikeglyph.train.quantize import add_int8_variant

            add_int8_variant(model_dir, data_dir=data_dir or settings.data_dir)
    except (SpikeGlyphError, OSError) as exc:
        _fail(exc)
    import shutil

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(model_dir), str(out_dir))
    from spikeglyph.modeldir import load_manifest

    manifest = load_manifest(out_dir)
    err.print(
        f"[green]wrote[/] {out_dir} ({manifest.version}) in {time.monotonic() - started:.0f}s: "
        f"val accuracy {manifest.metrics.get('val_accuracy', float('nan')):.4f}"
    )
    shutil.rmtree(work, ignore_errors=True)


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option(help="Model directory.")],
    dataset: Annotated[Dataset | None, typer.Option(help="Default: the model's dataset.")] = None,
    split: Annotated[Split, typer.Option(help="val or test (train for curiosity).")] = Split.test,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    max_samples: Annotated[int | None, typer.Option(min=1)] = None,
    int8: Annotated[bool, typer.Option(help="Evaluate the int8 copy.")] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset root.")] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 500,
) -> None:
    """Accuracy of a model on a dataset split, with ONNX Runtime (what the services run)."""
    from spikeglyph.data import load_split
    from spikeglyph.runtime import ModelRunner

    settings = CoreSettings()
    try:
        runner = ModelRunner(model, device="cpu", variant="int8" if int8 else None)
        name = dataset.value if dataset else runner.manifest.dataset
        images, labels = load_split(data_dir or settings.data_dir, name, split.value)
    except SpikeGlyphError as exc:
        _fail(exc)
    if max_samples is not None:
        images, labels = images[:max_samples], labels[:max_samples]
    started = time.perf_counter()
    preds = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype(np.float32) / 255.0
        preds.append(runner.run(batch).logits.argmax(1))
    pred = np.concatenate(preds) if preds else np.zeros(0, dtype=np.int64)
    seconds = time.perf_counter() - started
    per_class = [
        float((pred[labels == c] == c).mean()) if (labels == c).any() else 0.0
        for c in range(len(runner.manifest.class_names))
    ]
    result: dict[str, Any] = {
        "version": runner.version,
        "dataset": name,
        "split": split.value,
        "variant": "int8" if int8 else "fp32",
        "accuracy": float((pred == labels).mean()) if len(labels) else 0.0,
        "n": len(labels),
        "per_class_accuracy": per_class,
        "seconds": round(seconds, 3),
    }
    if as_json:
        print(json.dumps(result))  # noqa: T201 - the command's output
        return
    table = Table(title=f"{runner.version} on {name}/{split.value}")
    table.add_column("class")
    table.add_column("accuracy", justify="right")
    for label, acc in zip(runner.manifest.class_names, per_class, strict=True):
        table.add_row(label, f"{acc:.4f}")
    out.print(table)
    out.print(f"accuracy [bold]{result['accuracy']:.4f}[/] on n={result['n']} ({seconds:.1f}s)")


@app.command()
def export(
    model: Annotated[Path, typer.Option(help="Model directory to (re)export.")],
    int8: Annotated[bool, typer.Option(help="Also write the int8-quantised copy.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Dataset root (for --int8 accuracy).")
    ] = None,
    fixed_point: Annotated[
        Path | None,
        typer.Option(help="Write a fixed-point copy (8-bit weights, integer membranes) here."),
    ] = None,
    nir: Annotated[
        Path | None, typer.Option(help="Write the NIR graph (.nir, HDF5) to this file.")
    ] = None,
) -> None:
    """(Re)write the ONNX graph from the weights; ``--int8`` adds a quantised copy.

    ``--fixed-point`` and ``--nir`` leave MODEL as it is and write new artifacts instead.
    """
    from spikeglyph.train.quantize import add_int8_variant, reexport

    settings = CoreSettings()
    if fixed_point is not None or nir is not None:
        _export_portable(model, fixed_point, nir, data_dir or settings.data_dir)
        return
    try:
        manifest = reexport(model, data_dir=data_dir or settings.data_dir)
        if int8:
            manifest = add_int8_variant(model, data_dir=data_dir or settings.data_dir)
    except (SpikeGlyphError, OSError) as exc:
        _fail(exc)
    err.print(
        f"[green]exported[/] {model} ({manifest.version}); files: {', '.join(manifest.files)}"
    )


def _export_portable(model: Path, fixed_point: Path | None, nir: Path | None, data: Path) -> None:
    """The ``--fixed-point`` / ``--nir`` branch of ``export``."""
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
    except (SpikeGlyphError, OSError) as exc:
        _fail(exc)


@app.command()
def predict(
    image: Annotated[Path, typer.Argument(help="Image file (PNG, JPEG, WebP, GIF, BMP, TIFF).")],
    model: Annotated[Path | None, typer.Option(help="Model directory (local inference).")] = None,
    url: Annotated[
        str | None, typer.Option(help="SpikeGlyph gateway URL, e.g. http://localhost:8000.")
    ] = None,
    full: Annotated[bool, typer.Option(help="Include rasters and the 28×28 input.")] = False,
) -> None:
    """Predict one image locally (--model) or through a running SpikeGlyph (--url)."""
    if (model is None) == (url is None):
        raise typer.BadParameter("give exactly one of --model DIR or --url URL")
    if not image.is_file():
        raise typer.BadParameter(f"{image} is not a file")
    data = image.read_bytes()
    try:
        if url is not None:
            from spikeglyph.client import SpikeGlyphClient

            with SpikeGlyphClient(url) as client:
                prediction = client.predict(data, compact=not full)
        else:
            assert model is not None
            prediction = _predict_local(model, data, compact=not full)
    except (SpikeGlyphError, OSError) as exc:
        _fail(exc)
    print(prediction.model_dump_json(indent=2, exclude_none=True))  # noqa: T201


def _predict_local(model: Path, data: bytes, *, compact: bool) -> Any:
    from spikeglyph.preprocess import preprocess
    from spikeglyph.runtime import ModelRunner
    from spikeglyph.schemas import LatencyMs

    settings = CoreSettings()
    runner = ModelRunner(model, device=settings.device)
    t0 = time.perf_counter()
    array = preprocess(
        data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
    )
    t1 = time.perf_counter()
    outputs = runner.run(array[None])
    t2 = time.perf_counter()
    latency = LatencyMs(preprocess=(t1 - t0) * 1e3, compute=(t2 - t1) * 1e3, total=(t2 - t0) * 1e3)
    return runner.prediction(outputs, 0, latency, compact=compact, image=array)


@app.command()
def info(model: Annotated[Path, typer.Argument(help="Model directory.")]) -> None:
    """Show a model's manifest: version, architecture, metrics, neurons, energy, files."""
    from spikeglyph.modeldir import load_manifest

    try:
        manifest = load_manifest(model)
    except SpikeGlyphError as exc:
        _fail(exc)
    table = Table(title=f"{manifest.version}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = {
        "dataset": manifest.dataset,
        "family": manifest.family,
        "architecture": json.dumps(manifest.architecture),
        "encoder": json.dumps(manifest.encoder),
        "timesteps": str(manifest.timesteps),
        "neurons": json.dumps(manifest.neurons),
        "spikes / inference": f"{manifest.spikes_per_inference or 0:.0f}",
        "SOPs / inference": f"{manifest.sops_per_inference or 0:.0f}",
        "metrics": json.dumps(
            {k: v for k, v in manifest.metrics.items() if not isinstance(v, (list, dict))}
        ),
        "parent": manifest.parent or "–",
        "created": manifest.created_at.isoformat(),
        "files": ", ".join(f"{k} ({v[:10]}…)" for k, v in manifest.files.items()),
        "variants": json.dumps(manifest.variants) if manifest.variants else "–",
    }
    for key, value in rows.items():
        table.add_row(key, value)
    out.print(table)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
