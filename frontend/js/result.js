// Renders the verdict of one prediction: the class, confidence, every class's probability,
// where the time went, the model version and the 28×28 input the network actually received.

import { drawGrid } from "./plotting.js";

const $ = (id) => document.getElementById(id);

const pct = (p) => `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)} %`;
const ms = (v) => (v == null || !Number.isFinite(v) ? "–" : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

function renderProbabilities(prediction) {
  const list = $("prob-bars");
  const names = prediction.class_names || prediction.probabilities.map((_, i) => String(i));
  list.replaceChildren(...prediction.probabilities.map((p, i) => {
    const item = document.createElement("li");
    item.classList.toggle("top", i === prediction.digit);
    item.dataset.class = String(i);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = names[i];
    name.title = names[i];
    const track = document.createElement("span");
    track.className = "track";
    track.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
    track.append(fill);
    const value = document.createElement("span");
    value.className = "pct";
    value.textContent = pct(p);
    item.append(name, track, value);
    item.setAttribute("aria-label", `${names[i]}: ${pct(p)}`);
    return item;
  }));
}

function renderLatency(latency) {
  const parts = [
    ["total", latency.total],
    ["queue", latency.queue],
    ["preprocess", latency.preprocess],
    ["compute", latency.compute],
    ["gateway", latency.gateway],
  ];
  $("latency").replaceChildren(...parts.filter(([, v]) => v != null).map(([name, v]) => {
    const cell = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = ms(v);
    cell.append(dt, dd);
    return cell;
  }));
}

function renderFeedbackChoices(prediction) {
  const select = $("feedback-label");
  const names = prediction.class_names || [];
  const previous = select.value;
  select.replaceChildren(...names.map((name, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = name === String(i) ? name : `${i} — ${name}`;
    return option;
  }));
  // Propose the runner-up: when the answer is wrong it is most often the right one.
  const ranked = prediction.probabilities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]);
  const guess = ranked.length > 1 ? ranked[1][1] : 0;
  select.value = previous && previous !== String(prediction.digit) && names[Number(previous)] ? previous : String(guess);
  $("feedback-form").hidden = false;
}

/** Shows a prediction (the JSON the API returned). */
export function renderResult(prediction) {
  const label = $("result-label");
  label.textContent = prediction.label ?? String(prediction.digit);
  label.classList.toggle("long", label.textContent.length > 2);
  $("result-confidence").textContent = `${pct(prediction.confidence)} confident`;
  $("result-version").textContent = `${prediction.model_version} · ${prediction.dataset}`;
  renderProbabilities(prediction);
  renderLatency(prediction.latency_ms || {});
  renderFeedbackChoices(prediction);
  if (prediction.input) drawGrid($("input-grid"), prediction.input);
  const card = $("result");
  card.dataset.state = "shown";
  card.dataset.digit = String(prediction.digit);
  card.dataset.version = prediction.model_version;
}

/** Marks the result as being refreshed (the old one stays visible meanwhile). */
export function markLoading(loading) {
  const card = $("result");
  if (loading) card.dataset.state = "loading";
  else if (card.dataset.state === "loading") card.dataset.state = card.dataset.digit ? "shown" : "empty";
}
