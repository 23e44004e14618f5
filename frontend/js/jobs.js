// Training jobs from the page: read the form of the chosen kind, queue the job with the API
// key, follow its Server-Sent Events (falling back to polling if the stream breaks), draw the
// progress bar and the loss/accuracy curve, and cancel on request.

import { cancelJob, getJob, jobEventsUrl, submitJob } from "./api.js";
import { reportError, showError, showStatus } from "./messages.js";
import { cssColor, drawLines } from "./plotting.js";

const $ = (id) => document.getElementById(id);
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const POLL_MS = 1500;

/** The params of the visible fieldset, typed as the API expects; empty fields are left out. */
export function readParams(fieldset) {
  const params = {};
  for (const el of fieldset.querySelectorAll("input[name], select[name]")) {
    const type = el.dataset.type;
    if (type === "bool") {
      params[el.name] = el.checked;
      continue;
    }
    const raw = el.value.trim();
    if (raw === "") continue;
    params[el.name] = type === "int" ? Number.parseInt(raw, 10) : type === "float" ? Number(raw) : raw;
  }
  return params;
}

/** Overall fraction done, from epoch/step counters (epochs are counted from 1). */
export function fractionDone(progress, state) {
  if (state === "succeeded") return 1;
  if (!progress) return 0;
  const stepPart = progress.steps ? Math.min(1, (progress.step ?? 0) / progress.steps) : null;
  let fraction;
  if (progress.epochs && progress.epoch != null) {
    const done = Math.max(0, progress.epoch - 1);
    fraction = (done + (stepPart ?? 1)) / progress.epochs;
  } else {
    fraction = stepPart ?? 0;
  }
  return Math.max(0, Math.min(1, fraction));
}

function describe(progress) {
  if (!progress) return "";
  const parts = [progress.phase];
  if (progress.epochs) parts.push(`epoch ${progress.epoch ?? 0}/${progress.epochs}`);
  if (progress.steps) parts.push(`step ${progress.step ?? 0}/${progress.steps}`);
  if (progress.loss != null) parts.push(`loss ${progress.loss.toFixed(3)}`);
  if (progress.accuracy != null) parts.push(`accuracy ${(progress.accuracy * 100).toFixed(1)} %`);
  if (progress.eta_s != null && progress.eta_s > 0) parts.push(`about ${Math.ceil(progress.eta_s)} s left`);
  if (progress.message) parts.push(progress.message);
  return parts.filter(Boolean).join(" · ");
}

export class JobRunner {
  /**
   * @param {() => string} getKey the API key in the page
   * @param {{onStarted?: (jobId: string) => void, onFinished?: (info: object) => void}} hooks
   */
  constructor(getKey, hooks = {}) {
    this.getKey = getKey;
    this.hooks = hooks;
    this.jobId = null;
    this.state = null;
    this.source = null;
    this.pollTimer = 0;
    this.curve = { loss: [], accuracy: [] };
    $("job-cancel").addEventListener("click", () => this.cancel());
    window.addEventListener("resize", () => this.#drawCurve());
  }

  async submit(kind, params) {
    const key = this.getKey();
    if (!key) {
      showError("Training needs the API key: enter it above.");
      $("api-key").focus();
      return;
    }
    try {
      const { job_id: jobId } = await submitJob(kind, params, key);
      showStatus(`Job ${jobId} queued.`);
      this.follow(jobId, kind);
      this.hooks.onStarted?.(jobId);
    } catch (err) {
      reportError(err, "Could not start the job");
    }
  }

  /** Shows the job's panel and follows its events until it finishes. */
  follow(jobId, kind) {
    this.#stop();
    this.jobId = jobId;
    this.state = "queued";
    this.curve = { loss: [], accuracy: [] };
    $("job-panel").hidden = false;
    $("job-title").textContent = `${kind[0].toUpperCase()}${kind.slice(1)} job ${jobId}`;
    $("job-result").textContent = "";
    $("job-cancel").disabled = false;
    this.#apply({ state: "queued", progress: { phase: "queued" } });

    if (!("EventSource" in window)) {
      this.#poll();
      return;
    }
    const source = new EventSource(jobEventsUrl(jobId));
    this.source = source;
    const onEvent = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return; // a heartbeat or a comment, nothing to show
      }
      if (event && typeof event === "object" && (event.state || event.progress)) this.#apply(event);
    };
    // Unnamed events arrive as "message"; a server that names them by type is heard too.
    source.onmessage = onEvent;
    for (const type of ["progress", "state", "final"]) source.addEventListener(type, onEvent);
    this.#seed(jobId);
    source.onerror = () => {
      // The stream ended or broke before the final event: polling still finds the outcome.
      if (this.source !== source) return;
      source.close();
      this.source = null;
      if (!FINISHED.has(this.state)) this.#poll();
    };
  }

  async cancel() {
    if (!this.jobId || FINISHED.has(this.state)) return;
    const key = this.getKey();
    if (!key) {
      showError("Cancelling needs the API key: enter it above.");
      return;
    }
    $("job-cancel").disabled = true;
    try {
      await cancelJob(this.jobId, key);
      showStatus(`Cancelling job ${this.jobId}…`);
    } catch (err) {
      $("job-cancel").disabled = false;
      reportError(err, "Could not cancel the job");
    }
  }

  // A stream may carry only events from now on: ask once where the job stands, so a job
  // followed late (after a reload) does not sit on "queued", and a finished one ends at once.
  async #seed(jobId) {
    try {
      const info = await getJob(jobId);
      if (jobId !== this.jobId || this.state !== "queued") return;
      this.#apply({ ...info, type: FINISHED.has(info.state) ? "final" : "progress" });
    } catch {
      // The event stream is still open; its events will tell the story.
    }
  }

  async #poll() {
    clearTimeout(this.pollTimer);
    const jobId = this.jobId;
    try {
      const info = await getJob(jobId);
      if (jobId !== this.jobId) return;
      this.#apply({ ...info, type: FINISHED.has(info.state) ? "final" : "progress" });
    } catch (err) {
      reportError(err, "Lost track of the job");
    }
    if (jobId === this.jobId && !FINISHED.has(this.state)) {
      this.pollTimer = setTimeout(() => this.#poll(), POLL_MS);
    }
  }

  #stop() {
    if (this.source) this.source.close();
    this.source = null;
    clearTimeout(this.pollTimer);
  }

  #apply(event) {
    const state = event.state || this.state;
    this.state = state;
    const progress = event.progress;
    const panel = $("job-panel");
    panel.dataset.state = state;
    const pill = $("job-state");
    pill.textContent = state;
    pill.className = `pill ${state}`;
    if (progress) {
      $("job-progress").value = fractionDone(progress, state);
      $("job-detail").textContent = describe(progress);
      if (progress.loss != null || progress.accuracy != null) {
        this.curve.loss.push(progress.loss ?? Number.NaN);
        this.curve.accuracy.push(progress.accuracy ?? Number.NaN);
        this.#drawCurve();
      }
    } else if (state === "succeeded") {
      $("job-progress").value = 1;
    }
    if (FINISHED.has(state)) this.#finish(event);
  }

  #finish(event) {
    this.#stop();
    $("job-cancel").disabled = true;
    const state = event.state;
    if (state === "succeeded") {
      $("job-progress").value = 1;
      const result = event.result || {};
      const bits = [];
      if (result.version) bits.push(`new version ${result.version}`);
      if (typeof result.accuracy === "number") bits.push(`accuracy ${(result.accuracy * 100).toFixed(2)} %`);
      if (result.activated) bits.push("activated");
      $("job-result").textContent = `Done${bits.length ? `: ${bits.join(", ")}` : "."}`;
      showStatus(`Job ${event.job_id ?? this.jobId} finished${result.version ? `: version ${result.version}` : ""}.`, 10000);
    } else if (state === "failed") {
      $("job-result").textContent = "";
      showError(`Job ${event.job_id ?? this.jobId} failed: ${event.error || "no reason given"}`);
    } else {
      $("job-result").textContent = "Cancelled.";
      showStatus(`Job ${event.job_id ?? this.jobId} was cancelled.`);
    }
    this.hooks.onFinished?.(event);
  }

  #drawCurve() {
    const canvas = $("job-curve");
    const { loss, accuracy } = this.curve;
    if (!loss.length || $("job-panel").hidden) return;
    // Loss and accuracy share the plot: loss is scaled to its own maximum so both fit 0..1.
    const maxLoss = Math.max(...loss.filter(Number.isFinite), 1e-9);
    drawLines(
      canvas,
      [
        { values: loss.map((v) => v / maxLoss), color: cssColor("--spike-2") },
        { values: accuracy, color: cssColor("--spike") },
      ],
      { yMin: 0, yMax: 1, xLabel: `loss (orange, max ${maxLoss.toFixed(2)}) · accuracy (blue)` },
    );
    canvas.dataset.points = String(loss.length);
  }
}
