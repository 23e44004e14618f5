// The drawing pad: pointer events (mouse, touch, pen), pen pressure varying the stroke width,
// undo and clear. Strokes are kept as point lists so undo can redraw exactly, and the canvas
// always holds dark ink on white paper, which is what the server's polarity detection expects.

const PAPER = "#ffffff";
const INK = "#111318";

export class DrawPad {
  /**
   * @param {HTMLCanvasElement} canvas the pad; its width/height attributes fix the export size
   * @param {{onChange?: (pad: DrawPad) => void, onStrokeEnd?: (pad: DrawPad) => void}} hooks
   */
  constructor(canvas, hooks = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.hooks = hooks;
    this.strokes = [];
    this.current = null;
    this.baseWidth = 20;
    this.#bind();
    this.redraw();
  }

  get isEmpty() {
    return this.strokes.length === 0 && !this.current;
  }

  setBaseWidth(width) {
    this.baseWidth = width;
  }

  undo() {
    if (!this.strokes.length) return false;
    this.strokes.pop();
    this.redraw();
    this.hooks.onChange?.(this);
    return true;
  }

  clear() {
    this.strokes = [];
    this.current = null;
    this.redraw();
    this.hooks.onChange?.(this);
  }

  /** The drawing as a PNG Blob (the exact bytes sent to the server). */
  toBlob() {
    return new Promise((resolve, reject) => {
      this.canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The drawing could not be encoded."))), "image/png");
    });
  }

  redraw() {
    const { ctx, canvas } = this;
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const stroke of this.strokes) this.#paintStroke(stroke.points, 0);
    if (this.current) this.#paintStroke(this.current.points, 0);
  }

  // Pressure reaches us only from pens (mice report 0.5 while pressed, touch usually 0 or 1):
  // scale the width for pens alone so a mouse stroke is steady.
  #widthFor(event) {
    if (event.pointerType !== "pen") return this.baseWidth;
    const pressure = event.pressure > 0 ? event.pressure : 0.5;
    return this.baseWidth * (0.35 + 1.3 * pressure);
  }

  #point(event) {
    const rect = this.canvas.getBoundingClientRect();
    const scaleX = this.canvas.width / rect.width;
    const scaleY = this.canvas.height / rect.height;
    return {
      x: (event.clientX - rect.left) * scaleX,
      y: (event.clientY - rect.top) * scaleY,
      w: this.#widthFor(event), // in canvas pixels, whatever size the pad is shown at
    };
  }

  #bind() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 && event.pointerType === "mouse") return;
      event.preventDefault();
      try {
        c.setPointerCapture(event.pointerId); // keep the stroke when the pointer leaves the pad
      } catch {
        // Synthetic or already-released pointers cannot be captured; drawing still works.
      }
      this.current = { pointerId: event.pointerId, points: [this.#point(event)] };
      this.#paintStroke(this.current.points, 0);
      this.hooks.onChange?.(this);
    });
    c.addEventListener("pointermove", (event) => {
      if (!this.current || event.pointerId !== this.current.pointerId) return;
      event.preventDefault();
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      const from = this.current.points.length; // first new segment ends at this index
      for (const e of events.length ? events : [event]) this.current.points.push(this.#point(e));
      this.#paintStroke(this.current.points, from);
      this.hooks.onChange?.(this);
    });
    const finish = (event) => {
      if (!this.current || event.pointerId !== this.current.pointerId) return;
      this.strokes.push(this.current);
      this.current = null;
      this.hooks.onStrokeEnd?.(this);
    };
    c.addEventListener("pointerup", finish);
    c.addEventListener("pointercancel", finish);
  }

  // A dot for the first point, then segments with round caps from index `from`: each segment
  // takes the mean width of its ends, so pressure changes show along the stroke without a seam.
  // Drawing incrementally and redrawing (undo) paint the same pixels.
  #paintStroke(points, from) {
    const ctx = this.ctx;
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (from === 0) {
      const p = points[0];
      ctx.beginPath();
      ctx.arc(p.x, p.y, p.w / 2, 0, Math.PI * 2);
      ctx.fill();
    }
    for (let i = Math.max(1, from); i < points.length; i += 1) {
      const a = points[i - 1];
      const b = points[i];
      ctx.lineWidth = (a.w + b.w) / 2;
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
    }
  }
}
