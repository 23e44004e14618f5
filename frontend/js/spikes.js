// Draws what the network did while deciding: spike rasters per layer, the output neurons'
// membrane potentials against their threshold, and each layer's firing rate.

import { CLASS_COLORS, drawBars, drawLines, drawRaster } from "./plotting.js";

const $ = (id) => document.getElementById(id);

let last = null; // the last telemetry, redrawn when the page is resized or the theme changes

function transpose(matrix) {
  return matrix.length ? matrix[0].map((_, c) => matrix.map((row) => row[c])) : [];
}

// 784 input rows would be a grey smear a few pixels high each: fold the input raster to the
// 28 image rows (a row is "spiking" at step t when any of its pixels spiked).
function foldInput(raster) {
  return raster.map((step) => {
    const rows = [];
    for (let r = 0; r < 28; r += 1) {
      let any = 0;
      for (let c = 0; c < 28; c += 1) any += step[r * 28 + c] ? 1 : 0;
      rows.push(any > 0 ? 1 : 0);
    }
    return rows;
  });
}

function countSpikes(raster) {
  return raster.reduce((sum, step) => sum + step.reduce((a, b) => a + (b ? 1 : 0), 0), 0);
}

function draw(telemetry, prediction) {
  const names = prediction.class_names || [...Array(10).keys()].map(String);
  const winner = prediction.digit;

  const inputFig = $("input-raster-fig");
  if (telemetry.input_raster && telemetry.input_raster.length) {
    inputFig.hidden = false;
    drawRaster($("input-raster"), foldInput(telemetry.input_raster));
    $("input-raster-info").textContent = `${countSpikes(telemetry.input_raster)} spikes, rows of the image`;
  } else {
    inputFig.hidden = true;
  }

  const hidden = telemetry.hidden_raster || [];
  const hiddenSpikes = hidden.length ? drawRaster($("hidden-raster"), hidden) : 0;
  $("hidden-raster-info").textContent = telemetry.hidden_layer
    ? `${telemetry.hidden_neurons.length} sampled from ${telemetry.hidden_layer} · ${hiddenSpikes} spikes`
    : "";

  const outputSpikes = drawRaster($("output-raster"), telemetry.output_raster, { rowLabels: names, highlight: winner });

  const membrane = transpose(telemetry.output_membrane || []);
  drawLines(
    $("membrane-plot"),
    membrane.map((values, i) => ({ values, color: CLASS_COLORS[i % CLASS_COLORS.length] })),
    { hline: telemetry.threshold, xLabel: "time step", highlight: winner, label: names[winner] },
  );

  const layers = telemetry.layers || [];
  drawBars(
    $("rate-plot"),
    layers.map((layer) => ({ label: layer.name, value: layer.rate })),
    { format: (v) => `${(v * 100).toFixed(1)} %` },
  );
  $("rate-plot").setAttribute(
    "aria-label",
    `Firing rate per layer: ${layers.map((l) => `${l.name} ${(l.rate * 100).toFixed(1)} %`).join(", ")}`,
  );

  const card = $("spikes");
  card.dataset.rendered = "true";
  card.dataset.outputSpikes = String(outputSpikes);
  card.dataset.hiddenSpikes = String(hiddenSpikes);
  const total = layers.reduce((sum, l) => sum + l.spikes, 0);
  $("spikes-hint").textContent =
    `${total.toLocaleString()} spikes in ${telemetry.timesteps} time steps. Each mark is one spike: ` +
    "a neuron (row) firing at a time step (column). The highlighted row is the winning class.";
}

/** Renders the spike telemetry of a prediction (no-op for compact answers). */
export function renderSpikes(prediction) {
  if (!prediction.spikes) return;
  last = prediction;
  draw(prediction.spikes, prediction);
}

/** Redraws after a layout or colour-scheme change (canvases are sized to their CSS box). */
export function redrawSpikes() {
  if (last) draw(last.spikes, last);
}
