// "What if": re-runs the drawing on screen with the knobs turned (threshold scale, time steps,
// encoder and its seed, noise, an occluded rectangle) and shows the model's own answer next to
// the new one. The server answers both from the same what-if graph and validates every range.

import { ApiError, request } from "./api.js";
import { drawGrid } from "./plotting.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 250;
const SIDE = 28;
const PRESETS = {
  top: { x: 0, y: 0, width: 28, height: 14 },
  bottom: { x: 0, y: 14, width: 28, height: 14 },
  left: { x: 0, y: 0, width: 14, height: 28 },
  right: { x: 14, y: 0, width: 14, height: 28 },
};

const pct = (p) => `${(p * 100).toFixed(1)} %`;
const nj = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} µJ` : `${v.toFixed(1)} nJ`);
const totalSpikes = (p) => p.spikes.layers.reduce((sum, l) => sum + l.spikes, 0);

function relative(before, after) {
  if (!before) return after ? "+∞" : "±0 %";
  const change = ((after - before) / before) * 100;
  return `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(0)} %`;
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export class WhatIf {
  /** @param {{onReplay?: (prediction: object) => void}} hooks */
  constructor(hooks = {}) {
    this.hooks = hooks;
    this.image = null; // the Blob on screen
    this.input = null; // the 28×28 the network saw, for drawing the occlusion
    this.occlusion = null;
    this.answer = null;
    this.timer = 0;
    this.sent = 0;
    const form = $("whatif-form");
    form.addEventListener("input", () => this.#changed());
    form.addEventListener("change", () => this.#changed());
    form.addEventListener("submit", (e) => e.preventDefault());
    $("whatif-reset").addEventListener("click", () => this.reset());
    $("whatif-replay").addEventListener("click", () => this.answer && this.hooks.onReplay?.(this.answer.whatif));
    for (const button of form.querySelectorAll("[data-occlude]")) {
      button.addEventListener("click", () => this.setOcclusion(PRESETS[button.dataset.occlude] || null));
    }
    this.#bindDrag($("whatif-input"));
  }

  /** A new prediction is on screen: its image becomes the one the knobs re-run. */
  show(prediction, image) {
    this.image = image;
    this.input = prediction.input || null;
    this.#paintInput(this.input);
    $("whatif-timesteps").placeholder = `model's (${prediction.spikes?.timesteps ?? "?"})`;
    if (this.#turned()) this.#schedule();
  }

  reset() {
    const form = $("whatif-form");
    form.reset();
    this.occlusion = null;
    this.#syncLabels();
    this.#paintInput(this.input);
    this.#schedule();
  }

  setOcclusion(box) {
    this.occlusion = box;
    this.#syncLabels();
    this.#paintInput(this.answer?.whatif.input || this.input);
    this.#schedule();
  }

  knobs() {
    const knobs = {
      threshold_scale: Number($("whatif-threshold").value),
      noise: Number($("whatif-noise").value),
    };
    const steps = $("whatif-timesteps").value;
    if (steps !== "") knobs.timesteps = Number(steps);
    if ($("whatif-encoder").value) knobs.encoder = $("whatif-encoder").value;
    const seed = $("whatif-seed").value;
    if (seed !== "") knobs.seed = Number(seed);
    if (this.occlusion) knobs.occlusion = this.occlusion;
    return knobs;
  }

  #turned() {
    const k = this.knobs();
    return k.threshold_scale !== 1 || k.noise !== 0 || Object.keys(k).length > 2;
  }

  #changed() {
    this.#syncLabels();
    this.#schedule();
  }

  #syncLabels() {
    $("whatif-threshold-value").textContent = Number($("whatif-threshold").value).toFixed(2);
    $("whatif-noise-value").textContent = Number($("whatif-noise").value).toFixed(2);
    const box = this.occlusion;
    $("whatif-occlusion-value").textContent = box
      ? `${box.width}×${box.height} px at (${box.x}, ${box.y})`
      : "none";
  }

  #schedule() {
    clearTimeout(this.timer);
    if (!this.image) return;
    this.timer = setTimeout(() => this.run(), DEBOUNCE_MS);
  }

  /** Sends the drawing with the knobs; only the newest answer is shown. */
  async run() {
    if (!this.image) return;
    const card = $("whatif");
    const ticket = ++this.sent;
    card.dataset.state = "loading";
    try {
      const body = { image: await dataUrl(this.image), ...this.knobs() };
      const answer = await request("predict/whatif", { method: "POST", body });
      if (ticket !== this.sent) return;
      this.answer = answer;
      this.#render(answer);
    } catch (err) {
      if (ticket !== this.sent) return;
      const unavailable = err instanceof ApiError && err.code === "whatif_unavailable";
      card.dataset.state = unavailable ? "unavailable" : "error";
      $("whatif-hint").textContent = unavailable
        ? "The model that answered has no what-if graph (it was exported before knobs existed)."
        : err.message;
    }
  }

  #render({ baseline, whatif, knobs, baseline_knobs: own }) {
    const rows = [
      ["Prediction", baseline.label, whatif.label, baseline.digit === whatif.digit ? "same" : "changed"],
      ["Confidence", pct(baseline.confidence), pct(whatif.confidence),
        `${whatif.confidence >= baseline.confidence ? "+" : "−"}${Math.abs((whatif.confidence - baseline.confidence) * 100).toFixed(1)} pts`],
      ["Spikes", totalSpikes(baseline).toLocaleString(), totalSpikes(whatif).toLocaleString(),
        relative(totalSpikes(baseline), totalSpikes(whatif))],
      ["Energy", nj(baseline.energy.snn_nj), nj(whatif.energy.snn_nj),
        relative(baseline.energy.snn_nj, whatif.energy.snn_nj)],
      ["Time steps", String(own.timesteps), String(knobs.timesteps), ""],
      ["Encoder", own.encoder, knobs.encoder, ""],
    ];
    const table = $("whatif-table");
    table.tBodies[0].replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((text, i) => {
        const cell = document.createElement(i ? "td" : "th");
        if (!i) cell.scope = "row";
        cell.textContent = text;
        tr.append(cell);
      });
      return tr;
    }));
    table.hidden = false;
    this.#paintInput(whatif.input || this.input);
    $("whatif-replay").disabled = false;
    const card = $("whatif");
    card.dataset.state = "shown";
    card.dataset.digit = String(whatif.digit);
    card.dataset.spikes = String(totalSpikes(whatif));
    card.dataset.baselineSpikes = String(totalSpikes(baseline));
    $("whatif-hint").textContent =
      `With the knobs turned the network answers ${whatif.label} (${pct(whatif.confidence)}); ` +
      `its own settings give ${baseline.label} (${pct(baseline.confidence)}).`;
  }

  #paintInput(grid) {
    const canvas = $("whatif-input");
    if (!grid) return;
    drawGrid(canvas, grid);
    const box = this.occlusion;
    if (!box) return;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "rgb(217 119 6 / 55%)";
    ctx.fillRect(box.x, box.y, box.width, box.height);
  }

  #bindDrag(canvas) {
    let start = null;
    const cell = (event) => {
      const r = canvas.getBoundingClientRect();
      const x = Math.floor(((event.clientX - r.left) / r.width) * SIDE);
      const y = Math.floor(((event.clientY - r.top) / r.height) * SIDE);
      return [Math.max(0, Math.min(SIDE - 1, x)), Math.max(0, Math.min(SIDE - 1, y))];
    };
    const box = (a, b) => ({
      x: Math.min(a[0], b[0]),
      y: Math.min(a[1], b[1]),
      width: Math.abs(a[0] - b[0]) + 1,
      height: Math.abs(a[1] - b[1]) + 1,
    });
    canvas.addEventListener("pointerdown", (event) => {
      if (!this.input) return;
      start = cell(event);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!start) return;
      this.occlusion = box(start, cell(event));
      this.#syncLabels();
      this.#paintInput(this.input);
    });
    canvas.addEventListener("pointerup", (event) => {
      if (!start) return;
      this.setOcclusion(box(start, cell(event)));
      start = null;
    });
  }
}
