// This prediction's activity against the model's usual activity: for every layer, where its
// firing rate falls in the distribution over the model's reference images, and how many times
// each observed neuron fired compared with the usual. The reference is computed once per
// version and comes with its manifest (`variants.activity`).

import { listModels } from "./api.js";
import { cssColor, prepare } from "./plotting.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(v * 100).toFixed(1)} %`;

const references = new Map(); // version → reference (null: the version has none)

async function referenceFor(version) {
  if (!references.has(version)) {
    const models = await listModels();
    for (const model of models || []) references.set(model.version, model.variants?.activity ?? null);
    if (!references.has(version)) return null; // not listed (yet): ask again next time
  }
  return references.get(version);
}

function spikeCounts(raster) {
  const steps = raster.length;
  const counts = new Array(steps + 1).fill(0);
  const units = steps ? raster[0].length : 0;
  for (let n = 0; n < units; n += 1) {
    let fired = 0;
    for (let t = 0; t < steps; t += 1) fired += raster[t][n] ? 1 : 0;
    counts[fired] += 1;
  }
  return counts.map((c) => (units ? c / units : 0));
}

function axis(ctx, w, h, left, right) {
  ctx.fillStyle = cssColor("--muted");
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "alphabetic";
  ctx.textAlign = "left";
  ctx.fillText(left, 2, h - 2);
  ctx.textAlign = "right";
  ctx.fillText(right, w - 2, h - 2);
}

/** The reference histogram in grey and this prediction's rate as a vertical line. */
function drawRateHistogram(canvas, layer, rate) {
  const { ctx, w, h } = prepare(canvas);
  const bins = layer.fractions.length;
  const top = layer.edges[bins];
  const plotH = h - 16;
  const peak = Math.max(...layer.fractions, 1e-9);
  const bw = w / bins;
  ctx.fillStyle = cssColor("--border");
  layer.fractions.forEach((f, i) => {
    const bh = (f / peak) * (plotH - 4);
    ctx.fillRect(i * bw + 1, plotH - bh, Math.max(1, bw - 2), bh);
  });
  const x = Math.min(w - 2, (Math.min(rate, top) / top) * w);
  ctx.strokeStyle = cssColor("--spike-2");
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x, plotH);
  ctx.stroke();
  axis(ctx, w, h, "0 %", `${rate > top ? "› " : ""}${pct(top)}`);
}

/** Grouped bars over k = 0…T spikes per neuron: usual (grey) and this prediction (colour). */
function drawCountBars(canvas, mine, usual) {
  const { ctx, w, h } = prepare(canvas);
  const groups = mine.length;
  const plotH = h - 16;
  const peak = Math.max(...mine, ...(usual || []), 1e-9);
  const gw = w / groups;
  const bar = Math.max(1, gw / 2 - 2);
  for (let k = 0; k < groups; k += 1) {
    if (usual) {
      ctx.fillStyle = cssColor("--border");
      const uh = (usual[k] / peak) * (plotH - 4);
      ctx.fillRect(k * gw + 1, plotH - uh, bar, uh);
    }
    ctx.fillStyle = cssColor("--spike-2");
    const mh = (mine[k] / peak) * (plotH - 4);
    ctx.fillRect(k * gw + 1 + bar + 1, plotH - mh, bar, mh);
  }
  axis(ctx, w, h, "0 spikes", `${groups - 1}`);
}

function figure(caption, label) {
  const fig = document.createElement("figure");
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  const canvas = document.createElement("canvas");
  canvas.className = "plot histogram";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  fig.append(cap, canvas);
  return { fig, canvas };
}

function verdict(rate, layer) {
  const { 5: low, 95: high } = layer.percentiles;
  if (rate > high) return "unusually high";
  if (rate < low) return "unusually low";
  return "usual";
}

export class ActivityView {
  constructor() {
    this.last = null;
  }

  /** Shows a prediction's activity (and the reference of its version, once fetched). */
  async show(prediction) {
    if (!prediction?.spikes) return;
    this.last = { prediction, reference: null };
    let reference = null;
    try {
      reference = await referenceFor(prediction.model_version);
    } catch {
      reference = null; // the listing failed: show this prediction alone
    }
    if (this.last?.prediction !== prediction) return; // a newer prediction arrived meanwhile
    this.last.reference = reference;
    this.draw();
  }

  draw() {
    if (!this.last) return;
    const { prediction, reference } = this.last;
    const telemetry = prediction.spikes;
    const usualLayers = new Map((reference?.layers || []).map((l) => [l.name, l]));
    const sameSteps = reference && reference.timesteps === telemetry.timesteps;
    const figures = [];
    let unusual = 0;
    for (const layer of telemetry.layers) {
      const usual = usualLayers.get(layer.name);
      if (!usual || !sameSteps) continue;
      const said = verdict(layer.rate, usual);
      unusual += said === "usual" ? 0 : 1;
      const caption = `${layer.name}: ${pct(layer.rate)} · usually ${pct(usual.percentiles[5])}–${pct(usual.percentiles[95])}`;
      const { fig, canvas } = figure(caption, `${layer.name} firing rate ${pct(layer.rate)}, ${said} for this model (5th to 95th percentile of ${reference.n} reference images: ${pct(usual.percentiles[5])} to ${pct(usual.percentiles[95])})`);
      fig.dataset.verdict = said;
      figures.push([fig, () => drawRateHistogram(canvas, usual, layer.rate)]);
    }
    const neurons = [];
    const usualNeurons = new Map((reference?.neurons || []).map((n) => [n.layer, n.fractions]));
    const observed = [[telemetry.hidden_layer, telemetry.hidden_raster], ["output", telemetry.output_raster]];
    for (const [name, raster] of observed) {
      if (!name || !raster?.length) continue;
      const mine = spikeCounts(raster);
      const usual = sameSteps ? usualNeurons.get(name) : null;
      const { fig, canvas } = figure(
        `Spikes per ${name} neuron${name === "output" ? "" : " (sample)"}`,
        `How many of the observed ${name} neurons fired 0 to ${mine.length - 1} times: ${mine.map((f, k) => `${k}: ${pct(f)}`).join(", ")}`,
      );
      neurons.push([fig, () => drawCountBars(canvas, mine, usual)]);
    }
    $("activity-layers").replaceChildren(...figures.map(([fig]) => fig));
    $("activity-neurons").replaceChildren(...neurons.map(([fig]) => fig));
    [...figures, ...neurons].forEach(([, paint]) => paint());
    const card = $("activity");
    card.dataset.state = reference ? "shown" : "no-reference";
    card.dataset.unusual = String(unusual);
    $("activity-hint").textContent = !reference
      ? "This model version has no reference activity; the bars show this prediction alone."
      : !sameSteps
        ? `The reference was measured with ${reference.timesteps} time steps; this answer ran ${telemetry.timesteps}.`
        : `Grey: the model's usual activity over ${reference.n} reference images (${reference.reference}). ` +
          `Orange: this input.${unusual ? ` ${unusual} layer(s) fire unusually.` : " Every layer fires as usual."}`;
  }
}
