// Wires the page together: the pad, uploads, the prediction loop, the correction form, jobs and
// model versions. Each part lives in its own module; this file only connects them.

import { bindApiKey } from "./apikey.js";
import { bindJobDefaults } from "./defaults.js";
import { DrawPad } from "./drawpad.js";
import { JobHistory } from "./joblist.js";
import { JobRunner, readParams } from "./jobs.js";
import { startLab } from "./lab.js";
import { ModelList } from "./models.js";
import { Predictor } from "./predictor.js";
import { redrawSpikes } from "./spikes.js";
import { bindUpload } from "./upload.js";
import { WeightsPane } from "./weights.js";

const $ = (id) => document.getElementById(id);

function showActiveModel(version, dataset) {
  $("active-model").textContent = `Active model: ${version}${dataset ? ` · ${dataset}` : ""}`;
}

function bindJobForm(jobs) {
  const kind = $("job-kind");
  const fieldsets = [...$("job-form").querySelectorAll("fieldset[data-kind]")];
  const showKind = () => fieldsets.forEach((fs) => { fs.hidden = fs.dataset.kind !== kind.value; });
  kind.addEventListener("change", showKind);
  showKind();
  bindJobDefaults($("job-form"));
  $("job-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const fieldset = fieldsets.find((fs) => fs.dataset.kind === kind.value);
    jobs.submit(kind.value, readParams(fieldset));
  });
}

function start() {
  const getKey = bindApiKey($("api-key"), $("api-key-forget"));
  const weights = new WeightsPane();
  const models = new ModelList(getKey, {
    onActive: (m) => {
      showActiveModel(m.version, m.dataset);
      weights.showActive(m);
    },
    onShowWeights: (m) => weights.showVersion(m),
  });

  const lab = startLab($("main"));
  let predictor = null;
  const pad = new DrawPad($("pad"), {
    onChange: () => predictor?.drawingChanged(),
  });
  predictor = new Predictor(pad, {
    onModelSeen: (version, dataset) => {
      showActiveModel(version, dataset);
      weights.showActive({ version });
    },
    onPrediction: (prediction, image) => lab.show(prediction, image),
  });

  $("predict-btn").addEventListener("click", () => predictor.predictDrawing());
  $("undo-btn").addEventListener("click", () => pad.undo());
  $("clear-btn").addEventListener("click", () => pad.clear());
  $("stroke-width").addEventListener("input", (e) => pad.setBaseWidth(Number(e.target.value)));
  pad.setBaseWidth(Number($("stroke-width").value));
  $("realtime-toggle").addEventListener("change", (e) => predictor.setRealtime(e.target.checked));
  predictor.setRealtime($("realtime-toggle").checked);

  // Keyboard shortcuts on the focused pad: Enter predicts, Backspace undoes, Escape clears.
  $("pad").addEventListener("keydown", (event) => {
    const actions = { Enter: () => predictor.predictDrawing(), Backspace: () => pad.undo(), Escape: () => pad.clear() };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });

  bindUpload({ input: $("file-input"), dropZone: $("drop-zone"), onImage: (file) => predictor.predictFile(file) });

  $("feedback-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("feedback-btn");
    button.disabled = true;
    try {
      await predictor.sendCorrection(Number($("feedback-label").value));
    } finally {
      button.disabled = false;
    }
  });

  $("confirm-btn").addEventListener("click", async () => {
    const button = $("confirm-btn");
    button.disabled = true;
    try {
      await predictor.sendConfirmation();
    } finally {
      button.disabled = false;
    }
  });

  let history = null;
  const jobs = new JobRunner(getKey, {
    onStarted: () => history?.refresh(),
    onFinished: () => {
      models.refresh();
      history?.refresh();
    },
  });
  history = new JobHistory($("jobs-list"), (jobId, kind) => jobs.follow(jobId, kind));
  // A job still running when the page was (re)loaded is picked up again at once.
  history.refresh().then((running) => {
    if (running && !jobs.jobId) jobs.follow(running.job_id, running.kind);
  });
  bindJobForm(jobs);
  $("models-refresh").addEventListener("click", () => models.refresh());
  models.refresh();

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      redrawSpikes();
      lab.redraw();
    }, 120);
  });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawSpikes);
  document.body.dataset.ready = "true";
}

start();
