// The model versions: their metrics and lineage, which one is active, and the buttons that
// activate a newer one or roll back to an older one.

import { activateModel, activeModel, listModels } from "./api.js";
import { reportError, showError, showStatus } from "./messages.js";

const $ = (id) => document.getElementById(id);

// Manifests are written by the trainer; read their fields defensively so an older or newer
// manifest still lists.
function accuracyOf(model) {
  const m = model.metrics || {};
  const value = [m.accuracy, m.test_accuracy, m.val_accuracy].find((v) => typeof v === "number");
  return value == null ? "–" : `${(value * (value <= 1 ? 100 : 1)).toFixed(2)} %`;
}

function neuronsOf(model) {
  const n = model.neurons;
  if (typeof n === "number") return n.toLocaleString();
  if (n && typeof n === "object") {
    const total = Object.values(n).reduce((sum, v) => sum + (typeof v === "number" ? v : 0), 0);
    return total ? total.toLocaleString() : "–";
  }
  return "–";
}

function createdOf(model) {
  if (!model.created_at) return "–";
  const date = new Date(model.created_at);
  return Number.isNaN(date.getTime()) ? String(model.created_at) : date.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

function cell(text, label, className = "") {
  const td = document.createElement("td");
  td.textContent = text;
  if (label) td.dataset.label = label;
  if (className) td.className = className;
  return td;
}

export class ModelList {
  /** @param {() => string} getKey returns the API key entered in the page */
  constructor(getKey, hooks = {}) {
    this.getKey = getKey;
    this.hooks = hooks;
    this.models = [];
  }

  async refresh() {
    try {
      const models = await listModels();
      this.models = Array.isArray(models) ? models : models.models || [];
      this.#render();
      const active = this.models.find((m) => m.active);
      if (active) this.hooks.onActive?.(active);
      else this.#loadActive();
    } catch (err) {
      reportError(err, "Could not list the model versions");
    }
    return this.models;
  }

  async #loadActive() {
    try {
      const active = await activeModel();
      if (active) this.hooks.onActive?.(active);
    } catch {
      // No active model yet is a normal state of a fresh install; the table says enough.
    }
  }

  #render() {
    const body = $("models-table").querySelector("tbody");
    const sorted = [...this.models].sort((a, b) => String(b.created_at ?? "").localeCompare(String(a.created_at ?? "")));
    const active = sorted.find((m) => m.active);
    if (!sorted.length) {
      const row = document.createElement("tr");
      const td = cell("No model versions yet: start a training job.", "");
      td.colSpan = 7;
      row.append(td);
      body.replaceChildren(row);
    } else {
      body.replaceChildren(...sorted.map((model) => this.#row(model, active)));
    }
    $("version-list").replaceChildren(...sorted.map((m) => Object.assign(document.createElement("option"), { value: m.version })));
  }

  #row(model, active) {
    const row = document.createElement("tr");
    row.dataset.version = model.version;
    row.classList.toggle("is-active", Boolean(model.active));
    const version = cell(model.version, "", "version");
    row.append(
      version,
      cell(model.dataset ?? "–", "Dataset"),
      cell(accuracyOf(model), "Accuracy"),
      cell(neuronsOf(model), "Neurons"),
      cell(model.parent ?? "–", "Parent"),
      cell(createdOf(model), "Created"),
    );
    const action = document.createElement("td");
    if (model.active) {
      const pill = document.createElement("span");
      pill.className = "pill active";
      pill.textContent = "active";
      action.append(pill);
    } else {
      const older = active && String(model.created_at ?? "") < String(active.created_at ?? "");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = older ? "Roll back" : "Activate";
      button.setAttribute("aria-label", `${button.textContent} to version ${model.version}`);
      button.addEventListener("click", () => this.activate(model.version, button));
      action.append(button);
    }
    if (this.hooks.onShowWeights) {
      // A link, not a button: the row's one button stays the activation.
      const weights = Object.assign(document.createElement("a"), { href: "#weights", textContent: "Weights", className: "weights-link" });
      weights.setAttribute("aria-label", `Show the weights of version ${model.version}`);
      weights.addEventListener("click", (event) => {
        event.preventDefault();
        this.hooks.onShowWeights(model);
      });
      action.append(weights);
    }
    row.append(action);
    return row;
  }

  async activate(version, button) {
    const key = this.getKey();
    if (!key) {
      showError("Switching models needs the API key: enter it above.");
      $("api-key").focus();
      return;
    }
    button.disabled = true;
    try {
      await activateModel(version, key);
      showStatus(`Version ${version} is now active on every replica.`);
      await this.refresh();
    } catch (err) {
      reportError(err, `Could not activate ${version}`);
      button.disabled = false;
    }
  }
}
