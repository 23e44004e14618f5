// The prediction loop: drawing or uploading → one request at a time → result, spikes, energy;
// and the correction form, which sends back exactly the image that was predicted.

import { ApiError, predict, sendFeedback } from "./api.js";
import { renderEnergy } from "./energy.js";
import { clearErrors, reportError, showError, showStatus } from "./messages.js";
import { markLoading, renderResult } from "./result.js";
import { LatestOnlyScheduler } from "./scheduler.js";
import { renderSpikes } from "./spikes.js";

const BIG_UPLOAD_BYTES = 4_000_000;

export class Predictor {
  /**
   * @param {import("./drawpad.js").DrawPad} pad
   * @param {{onModelSeen?: (version: string, dataset: string) => void,
   *          onPrediction?: (prediction: object, image: Blob) => void}} hooks
   */
  constructor(pad, hooks = {}) {
    this.pad = pad;
    this.hooks = hooks;
    this.scheduler = new LatestOnlyScheduler();
    this.realtime = false;
    this.lastImage = null; // the Blob behind the result on screen, for corrections
    this.lastPrediction = null;
    this.requests = 0; // visible to tests through the result card's data attributes
  }

  setRealtime(on) {
    this.realtime = on;
    if (on && !this.pad.isEmpty) this.scheduler.now(() => this.#predictDrawing());
  }

  /** Called on every change of the drawing. */
  drawingChanged() {
    if (this.pad.isEmpty) {
      this.scheduler.cancelPending();
      return;
    }
    if (this.realtime) this.scheduler.debounce(() => this.#predictDrawing());
  }

  /** The Predict button. */
  predictDrawing() {
    if (this.pad.isEmpty) {
      showError("Draw a digit first (or upload an image).");
      return;
    }
    this.scheduler.now(() => this.#predictDrawing());
  }

  /** An uploaded, dropped or pasted image. */
  predictFile(file) {
    this.scheduler.now(() => this.#run(file, `Uploaded ${file.name || "image"}`));
  }

  async #predictDrawing() {
    // Encode at send time, not at schedule time, so the newest strokes are always included.
    const blob = await this.pad.toBlob();
    await this.#run(blob, null);
  }

  async #run(image, doneMessage) {
    markLoading(true);
    this.requests += 1;
    document.getElementById("result").dataset.requests = String(this.requests);
    try {
      const prediction = await predict(image);
      this.lastImage = image;
      this.lastPrediction = prediction;
      clearErrors();
      renderResult(prediction);
      renderSpikes(prediction);
      renderEnergy(prediction.energy);
      this.hooks.onModelSeen?.(prediction.model_version, prediction.dataset);
      this.hooks.onPrediction?.(prediction, image);
      if (doneMessage) showStatus(`${doneMessage}: ${prediction.label} (${Math.round(prediction.confidence * 100)} %).`);
    } catch (err) {
      // A server may refuse a big upload by closing the connection before the browser has
      // sent it all; the browser then reports a network error instead of the 413.
      if (err instanceof ApiError && err.status === 0 && image.size > BIG_UPLOAD_BYTES) {
        showError(`Prediction failed: the upload of ${(image.size / 1e6).toFixed(1)} MB was cut off. The file is probably too large; try a smaller image.`);
      } else {
        reportError(err, "Prediction failed");
      }
    } finally {
      markLoading(false);
    }
  }

  /** Confirms the answer on screen: it was right. */
  async sendConfirmation() {
    if (!this.lastImage || !this.lastPrediction) {
      showError("Predict something first, then confirm it.");
      return false;
    }
    const digit = this.lastPrediction.digit;
    const name = (this.lastPrediction.class_names || [])[digit] ?? String(digit);
    try {
      const answer = await sendFeedback(this.lastImage, digit, this.lastPrediction.model_version, true);
      showStatus(`Thanks! Confirmation “${name}” recorded (${answer.feedback_id}). It will be used in the next fine-tune.`, 10000);
      return true;
    } catch (err) {
      reportError(err, "Confirmation not sent");
      return false;
    }
  }

  /** Sends the right label for the image on screen. */
  async sendCorrection(label) {
    if (!this.lastImage || !this.lastPrediction) {
      showError("Predict something first, then correct it.");
      return false;
    }
    const name = (this.lastPrediction.class_names || [])[label] ?? String(label);
    try {
      const answer = await sendFeedback(this.lastImage, label, this.lastPrediction.model_version);
      showStatus(`Thanks! Correction “${name}” recorded (${answer.feedback_id}). It will be used in the next fine-tune.`, 10000);
      return true;
    } catch (err) {
      reportError(err, "Correction not sent");
      return false;
    }
  }
}
