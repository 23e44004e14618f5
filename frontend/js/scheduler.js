// Latest-only, single-flight scheduling of predictions.
//
// Real-time mode asks for a prediction on every pointer move; sending them all would flood the
// service and let slow answers overwrite newer ones. So: at most one request is in flight, only
// the newest pending work is kept (older pending work is simply dropped), and bursts are
// debounced — a request goes out after `quietMs` without changes, or at the latest `maxWaitMs`
// after the first unsent change, so the answer keeps up while the pen is still moving.

export class LatestOnlyScheduler {
  /**
   * @param {{quietMs?: number, maxWaitMs?: number}} timing
   */
  constructor({ quietMs = 180, maxWaitMs = 450 } = {}) {
    this.quietMs = quietMs;
    this.maxWaitMs = maxWaitMs;
    this.pending = null; // the newest work not yet started: () => Promise
    this.firstPendingAt = 0;
    this.timer = 0;
    this.inFlight = false;
    this.idleWaiters = [];
  }

  /** Queues `work` after a quiet period (real-time drawing). */
  debounce(work) {
    const now = performance.now();
    if (!this.pending) this.firstPendingAt = now;
    this.pending = work;
    const waited = now - this.firstPendingAt;
    const delay = Math.max(0, Math.min(this.quietMs, this.maxWaitMs - waited));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#pump(), delay);
  }

  /** Queues `work` to run as soon as nothing else is in flight (a click, an upload). */
  now(work) {
    clearTimeout(this.timer);
    this.pending = work;
    this.firstPendingAt = performance.now();
    this.#pump();
  }

  /** Drops pending work (e.g. the pad was cleared). */
  cancelPending() {
    clearTimeout(this.timer);
    this.pending = null;
  }

  get busy() {
    return this.inFlight || this.pending !== null;
  }

  async #pump() {
    if (this.inFlight || !this.pending) return;
    const work = this.pending;
    this.pending = null;
    this.inFlight = true;
    try {
      await work();
    } catch {
      // The work reports its own errors; the queue must keep going whatever happens.
    } finally {
      this.inFlight = false;
    }
    if (this.pending) {
      // Changes arrived meanwhile: honour what is left of their quiet period, if any.
      const waited = performance.now() - this.firstPendingAt;
      const delay = Math.max(0, Math.min(this.quietMs, this.maxWaitMs - waited));
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.#pump(), delay);
    }
  }
}
