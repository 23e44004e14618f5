// Replays one prediction step by step: a scrubber over the T time steps shows the output
// membranes (against the threshold) and the hidden raster as they were up to that step.

import { CLASS_COLORS, drawLines, drawRaster } from "./plotting.js";

const $ = (id) => document.getElementById(id);
const STEP_MS = 700;

function upTo(raster, step) {
  return raster.map((row, t) => (t <= step ? row : row.map(() => 0)));
}

export class Replay {
  constructor() {
    this.prediction = null;
    this.step = 0;
    this.timer = 0;
    $("replay-step").addEventListener("input", (e) => {
      this.pause();
      this.show(Number(e.target.value));
    });
    $("replay-play").addEventListener("click", () => (this.timer ? this.pause() : this.play()));
  }

  get steps() {
    return this.prediction?.spikes?.timesteps ?? 0;
  }

  /** Loads a prediction (with its telemetry) and shows its last step. */
  load(prediction, title = "") {
    if (!prediction?.spikes) return;
    this.pause();
    this.prediction = prediction;
    const scrub = $("replay-step");
    scrub.max = String(this.steps - 1);
    scrub.disabled = false;
    $("replay-play").disabled = false;
    $("replay-hint").textContent =
      `${title || "This prediction"}: ${this.steps} time steps. Drag the step or press Play; ` +
      "a neuron fires when its membrane crosses the dashed threshold, then drops by it.";
    $("replay").dataset.state = "shown";
    this.show(this.steps - 1);
  }

  /** Draws everything as it was at `step` (0-based). */
  show(step) {
    const prediction = this.prediction;
    if (!prediction) return;
    const telemetry = prediction.spikes;
    this.step = Math.max(0, Math.min(step, this.steps - 1));
    $("replay-step").value = String(this.step);
    $("replay-label").textContent = `step ${this.step + 1} of ${this.steps}`;
    $("replay").dataset.step = String(this.step);
    const names = prediction.class_names || [...Array(10).keys()].map(String);
    const membranes = (telemetry.output_membrane[0] || []).map((_, c) =>
      telemetry.output_membrane.slice(0, this.step + 1).map((row) => row[c]));
    drawLines(
      $("replay-membrane"),
      membranes.map((values, i) => ({ values, color: CLASS_COLORS[i % CLASS_COLORS.length] })),
      { hline: telemetry.threshold, xLabel: "time step", highlight: prediction.digit, xMax: this.steps, label: names[prediction.digit] },
    );
    const hidden = telemetry.hidden_raster || [];
    const fired = hidden.length ? drawRaster($("replay-hidden"), upTo(hidden, this.step)) : 0;
    const winner = membranes[prediction.digit] || [];
    const output = telemetry.output_raster.slice(0, this.step + 1)
      .reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
    $("replay").dataset.hiddenSpikes = String(fired);
    $("replay-text").textContent =
      `Step ${this.step + 1} of ${this.steps}: the ${names[prediction.digit]} neuron's membrane is ` +
      `${(winner[winner.length - 1] ?? 0).toFixed(2)} against a threshold of ${telemetry.threshold}; ` +
      `${output} output and ${fired} sampled hidden spikes so far.`;
  }

  play() {
    if (!this.prediction) return;
    if (this.step >= this.steps - 1) this.show(0);
    $("replay-play").textContent = "Pause";
    $("replay-play").setAttribute("aria-pressed", "true");
    $("replay").dataset.playing = "true";
    this.timer = setInterval(() => {
      if (this.step >= this.steps - 1) this.pause();
      else this.show(this.step + 1);
    }, STEP_MS);
  }

  pause() {
    clearInterval(this.timer);
    this.timer = 0;
    $("replay-play").textContent = "Play";
    $("replay-play").setAttribute("aria-pressed", "false");
    $("replay").dataset.playing = "false";
  }

  redraw() {
    if (this.prediction) this.show(this.step);
  }
}
