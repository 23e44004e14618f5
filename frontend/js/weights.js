// The Weights pane: a model version's weight figures, drawn from the gateway's JSON
// (GET models/{version}/weights) on canvases, with a difference view against the parent
// version and a PNG export of each figure. Colours are ColorBrewer's RdBu, the same table the
// PNGs use (spikeglyph.weightfigures): blue negative, white zero, red positive, readable with
// the common forms of colour blindness. Each canvas carries the figure's text alternative.

import { apiUrl, request } from "./api.js";
import { reportError } from "./messages.js";

const $ = (id) => document.getElementById(id);

const RDBU = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];
const TARGET_TILE_PX = 56;
const PAD = 2;
const MARK_COLOURS = { grown: "#1b9e77", pruned: "#000000" };

/** RGB of a value in [-1, 1] on RdBu (0 white). */
function rdbu(scaled) {
  const position = ((Math.max(-1, Math.min(1, scaled)) + 1) / 2) * (RDBU.length - 1);
  const low = Math.min(RDBU.length - 2, Math.floor(position));
  const frac = position - low;
  return RDBU[low].map((c, i) => Math.round(c * (1 - frac) + RDBU[low + 1][i] * frac));
}

function decodeSteps(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Int8Array(bytes.buffer);
}

/** Draws one figure's tiles as a grid on `canvas`, at the size the PNG export has. */
export function drawFigure(canvas, figure) {
  const steps = decodeSteps(figure.values);
  const { count, height, width, columns } = figure;
  const zoom = Math.max(1, Math.floor(TARGET_TILE_PX / Math.max(height, width)));
  const rows = Math.ceil(count / columns);
  const tileW = width * zoom;
  const tileH = height * zoom;
  canvas.width = columns * (tileW + PAD) + PAD;
  canvas.height = rows * (tileH + PAD) + PAD;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(128);
  for (let tile = 0; tile < count; tile += 1) {
    const top = PAD + Math.floor(tile / columns) * (tileH + PAD);
    const left = PAD + (tile % columns) * (tileW + PAD);
    for (let y = 0; y < tileH; y += 1) {
      for (let x = 0; x < tileW; x += 1) {
        const step = steps[tile * height * width + Math.floor(y / zoom) * width + Math.floor(x / zoom)];
        const [r, g, b] = rdbu(step / 127);
        const at = ((top + y) * canvas.width + left + x) * 4;
        image.data[at] = r;
        image.data[at + 1] = g;
        image.data[at + 2] = b;
      }
    }
  }
  for (let at = 3; at < image.data.length; at += 4) image.data[at] = 255;
  ctx.putImageData(image, 0, 0);
  annotate(ctx, figure, { tileW, tileH, columns });
}

function annotate(ctx, figure, { tileW, tileH, columns }) {
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "top";
  for (let tile = 0; tile < figure.count; tile += 1) {
    const top = PAD + Math.floor(tile / columns) * (tileH + PAD);
    const left = PAD + (tile % columns) * (tileW + PAD);
    const mark = figure.marks?.[tile];
    if (mark) {
      ctx.strokeStyle = MARK_COLOURS[mark] || "#000";
      ctx.lineWidth = 2;
      ctx.strokeRect(left + 1, top + 1, tileW - 2, tileH - 2);
      if (mark === "pruned") {
        ctx.beginPath();
        ctx.moveTo(left, top);
        ctx.lineTo(left + tileW, top + tileH);
        ctx.lineWidth = 1;
        ctx.stroke();
      }
    }
    const label = figure.labels?.[tile];
    if (label) {
      ctx.fillStyle = "#000";
      ctx.fillText(label, left + 2, top + 1);
    }
  }
}

/** The PNG export of a figure, under the page's own API root (so a path prefix is kept). */
function pngUrl(version, figure, diff) {
  return apiUrl(`models/${encodeURIComponent(version)}/weights/${figure.name}.png${diff ? "?diff=true" : ""}`);
}

function figureElement(figure, version, diff) {
  const element = document.createElement("figure");
  element.className = "weight-figure";
  element.dataset.figure = figure.name;
  const caption = document.createElement("figcaption");
  const link = Object.assign(document.createElement("a"), {
    href: pngUrl(version, figure, diff),
    textContent: "PNG",
    className: "weights-png",
  });
  link.setAttribute("download", `${figure.name}.png`);
  link.setAttribute("aria-label", `Download ${figure.title} as PNG`);
  caption.append(`${figure.title} `, link);
  const canvas = document.createElement("canvas");
  canvas.className = "weight-grid";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", figure.description);
  drawFigure(canvas, figure);
  const text = Object.assign(document.createElement("p"), { className: "hint", textContent: figure.description });
  element.append(caption, canvas, text);
  return element;
}

export class WeightsPane {
  constructor() {
    this.version = null;
    this.chosen = false; // a version picked in the models list wins over the active one
    this.parent = null;
    $("weights-diff").addEventListener("change", () => this.#load());
    $("weights-active").addEventListener("click", () => {
      this.chosen = false;
      if (this.activeVersion) this.#show(this.activeVersion);
    });
  }

  /** The active version changed (or was first seen): show it unless one was chosen. */
  showActive(model) {
    this.activeVersion = model.version;
    if (!this.chosen && model.version !== this.version) this.#show(model.version, model.parent);
  }

  /** A version picked in the models list. */
  showVersion(model) {
    this.chosen = true;
    this.#show(model.version, model.parent);
    $("weights").scrollIntoView({ block: "nearest" });
  }

  #show(version, parent = null) {
    this.version = version;
    this.parent = parent;
    $("weights-diff").checked = false;
    this.#load();
  }

  async #load() {
    const pane = $("weights");
    const version = this.version;
    const diff = $("weights-diff").checked;
    pane.dataset.state = "loading";
    $("weights-version").textContent = version;
    $("weights-active").hidden = !this.chosen;
    $("weights-diff-label").hidden = !this.parent;
    try {
      const query = diff ? "?diff=true" : "";
      const answer = await request(`models/${encodeURIComponent(version)}/weights${query}`);
      if (version !== this.version || diff !== $("weights-diff").checked) return; // superseded
      this.#render(answer);
    } catch (err) {
      if (version !== this.version) return; // superseded
      if (err.status === 404) {
        // The shipped default answers before the trainer has published it: not an error.
        pane.dataset.state = "missing";
        $("weights-notes").textContent = diff
          ? `Nothing to compare ${version} with: its parent version is not in the registry.`
          : `No weight figures for ${version}: the registry does not hold it (yet).`;
        $("weights-figures").replaceChildren();
        return;
      }
      pane.dataset.state = "error";
      reportError(err, `Could not load the weights of ${version}`);
    }
  }

  #render(answer) {
    $("weights-diff-label").hidden = !(answer.parent || this.parent);
    $("weights-notes").textContent = answer.notes.join(" ");
    $("weights-figures").replaceChildren(...answer.figures.map((f) => figureElement(f, this.version, answer.diff)));
    $("weights-legend").hidden = !answer.diff;
    const pane = $("weights");
    pane.dataset.state = "shown";
    pane.dataset.kind = answer.kind;
    pane.dataset.diff = String(answer.diff);
  }
}
