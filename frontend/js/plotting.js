// Small Canvas 2D plotting kit: a sharp canvas at any device pixel ratio, colours taken from the
// stylesheet (so plots follow light and dark mode), rasters, line charts and bar charts.

/** Reads a CSS custom property of the document, e.g. cssColor("--accent"). */
export function cssColor(name, fallback = "#888") {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Sizes the canvas backing store to its CSS box × devicePixelRatio; returns ctx, w, h in CSS px. */
export function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth || canvas.width));
  const h = Math.max(1, Math.round(canvas.clientHeight || canvas.height));
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

const PAD = { left: 34, right: 8, top: 8, bottom: 18 };

function axisLabels(ctx, w, h, { xLabel, yTop, yBottom }) {
  ctx.fillStyle = cssColor("--muted");
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "alphabetic";
  if (xLabel) {
    ctx.textAlign = "right";
    ctx.fillText(xLabel, w - PAD.right, h - 4);
  }
  ctx.textAlign = "right";
  if (yTop != null) ctx.fillText(String(yTop), PAD.left - 4, PAD.top + 8);
  if (yBottom != null) ctx.fillText(String(yBottom), PAD.left - 4, h - PAD.bottom);
}

/**
 * Raster plot: `raster[t][n]` is 1 when neuron n spiked at step t. One row per neuron, one
 * column per time step; `rowLabels` (optional) name the rows; `highlight` marks one row.
 * Returns the number of spikes drawn.
 */
export function drawRaster(canvas, raster, { rowLabels = null, highlight = -1 } = {}) {
  const { ctx, w, h } = prepare(canvas);
  const steps = raster.length;
  const rows = steps ? raster[0].length : 0;
  if (!steps || !rows) return 0;
  const left = rowLabels ? PAD.left : 8;
  const plotW = w - left - PAD.right;
  const plotH = h - PAD.top - PAD.bottom;
  const cw = plotW / steps;
  const rh = plotH / rows;
  const accent = cssColor("--spike");
  const grid = cssColor("--border");

  if (highlight >= 0 && highlight < rows) {
    ctx.fillStyle = cssColor("--accent-soft");
    ctx.fillRect(left, PAD.top + highlight * rh, plotW, rh);
  }
  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  for (let t = 0; t <= steps; t += 1) {
    const x = Math.round(left + t * cw) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, PAD.top);
    ctx.lineTo(x, PAD.top + plotH);
    ctx.stroke();
  }

  let count = 0;
  ctx.fillStyle = accent;
  // Round dots where rows are tall enough to show them, thin ticks where they are not.
  const size = Math.max(1.5, Math.min(cw * 0.6, rh * 0.8, 9));
  const round = size >= 4;
  for (let t = 0; t < steps; t += 1) {
    const row = raster[t];
    for (let n = 0; n < rows; n += 1) {
      if (!row[n]) continue;
      count += 1;
      const cx = left + (t + 0.5) * cw;
      const cy = PAD.top + (n + 0.5) * rh;
      if (round) {
        ctx.beginPath();
        ctx.arc(cx, cy, size / 2, 0, Math.PI * 2);
        ctx.fill();
      } else {
        const w = Math.max(2, Math.min(cw * 0.6, 8));
        ctx.fillRect(cx - w / 2, cy - size / 2, w, size);
      }
    }
  }

  if (rowLabels) {
    ctx.fillStyle = cssColor("--muted");
    ctx.font = `${Math.min(11, Math.max(8, rh * 0.8))}px system-ui, sans-serif`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const every = Math.ceil(8 / Math.max(rh, 1));
    rowLabels.forEach((label, n) => {
      if (n % every === 0) ctx.fillText(String(label).slice(0, 5), left - 4, PAD.top + (n + 0.5) * rh);
    });
  }
  axisLabels(ctx, w, h, { xLabel: `time step (T = ${steps})` });
  return count;
}

/** Line chart of several series sharing one x axis; `hline` draws a dashed reference line. */
export function drawLines(canvas, series, { yMin, yMax, hline = null, xLabel = "", highlight = -1, xMax = null, label = "" } = {}) {
  const { ctx, w, h } = prepare(canvas);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (!all.length) return;
  let lo = yMin ?? Math.min(...all, hline ?? Infinity);
  let hi = yMax ?? Math.max(...all, hline ?? -Infinity);
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  const n = xMax ?? Math.max(...series.map((s) => s.values.length));
  const plotW = w - PAD.left - PAD.right;
  const plotH = h - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v) => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;

  ctx.strokeStyle = cssColor("--border");
  ctx.lineWidth = 1;
  ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW, plotH);
  if (hline != null) {
    ctx.save();
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = cssColor("--bad");
    ctx.beginPath();
    ctx.moveTo(PAD.left, y(hline));
    ctx.lineTo(PAD.left + plotW, y(hline));
    ctx.stroke();
    ctx.restore();
  }
  series.forEach((s, idx) => {
    ctx.strokeStyle = s.color;
    ctx.globalAlpha = highlight >= 0 && idx !== highlight ? 0.35 : 1;
    ctx.lineWidth = idx === highlight ? 2.5 : 1.5;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (i === 0) ctx.moveTo(x(i), y(v));
      else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
  });
  ctx.globalAlpha = 1;
  // Name the highlighted series next to its last point, so the plot reads without a legend.
  if (label && highlight >= 0 && series[highlight]) {
    const values = series[highlight].values;
    const lastIndex = values.length - 1;
    if (lastIndex >= 0 && Number.isFinite(values[lastIndex])) {
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.fillStyle = series[highlight].color;
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      const ly = y(values[lastIndex]);
      ctx.fillText(label, x(lastIndex) - 4, ly - 3 < PAD.top + 12 ? ly + 15 : ly - 3);
    }
  }
  const fmt = (v) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));
  axisLabels(ctx, w, h, { xLabel, yTop: fmt(hi), yBottom: fmt(lo) });
}

/** Horizontal bars with labels: items are {label, value}; values are shown as text too. */
export function drawBars(canvas, items, { max = null, format = (v) => v.toFixed(3) } = {}) {
  const { ctx, w, h } = prepare(canvas);
  if (!items.length) return;
  const top = max ?? Math.max(...items.map((i) => i.value), 1e-9);
  const labelW = Math.min(90, w * 0.3);
  const valueW = 48;
  const rowH = h / items.length;
  const barH = Math.min(16, rowH * 0.6);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  items.forEach((item, i) => {
    const cy = i * rowH + rowH / 2;
    ctx.fillStyle = cssColor("--muted");
    ctx.textAlign = "left";
    ctx.fillText(item.label.slice(0, 14), 4, cy);
    ctx.fillStyle = cssColor("--surface");
    ctx.fillRect(labelW, cy - barH / 2, w - labelW - valueW, barH);
    ctx.fillStyle = cssColor("--spike");
    ctx.fillRect(labelW, cy - barH / 2, Math.max(1, ((w - labelW - valueW) * item.value) / top), barH);
    ctx.fillStyle = cssColor("--text");
    ctx.textAlign = "right";
    ctx.fillText(format(item.value), w - 4, cy);
  });
}

/** Paints a 28×28 grid of intensities as white-on-black pixels. */
export function drawGrid(canvas, grid) {
  const rows = grid.length;
  const cols = rows ? grid[0].length : 0;
  if (!rows || !cols) return;
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  // Stretch min..max to black..white: the server may send 0..1, 0..255 or normalised values.
  const flat = grid.flat();
  const lo = Math.min(...flat);
  const span = Math.max(...flat) - lo || 1;
  grid.forEach((row, r) => row.forEach((v, c) => {
    const level = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
    const i = (r * cols + c) * 4;
    image.data[i] = level;
    image.data[i + 1] = level;
    image.data[i + 2] = level;
    image.data[i + 3] = 255;
  }));
  ctx.putImageData(image, 0, 0);
}

/** A palette of ten distinguishable colours for the output neurons. */
export const CLASS_COLORS = [
  "#6366f1", "#f59e0b", "#10b981", "#ef4444", "#0ea5e9",
  "#a855f7", "#84cc16", "#f97316", "#14b8a6", "#ec4899",
];
