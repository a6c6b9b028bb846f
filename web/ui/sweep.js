// The batch-size sweep of the "Batch-size sweep" experiment: one configuration per batch size,
// largest first, each trained for one epoch with the learning rate scaled to the batch, then
// its final test error recorded per norm. A plain state machine: main.js applies `current`,
// trains, and calls `record` with each run's last evaluation; the card draws `results`.
import { SWEEP_BASE_BATCH, SWEEP_BATCHES } from '../experiments.js';

// The settings of one point of the sweep.
export function sweepSettings(settings, batch, baseBatch = SWEEP_BASE_BATCH) {
  return { ...settings, batch, lr: +(settings.lr * (batch / baseBatch)).toPrecision(6), epochs: 1 };
}

export class BatchSweep {
  #settings;
  #batches;
  #index = 0;
  results = [];

  constructor(settings, batches = SWEEP_BATCHES) {
    this.#settings = settings;
    this.#batches = batches;
  }

  get preset() {
    return this.#settings.preset;
  }
  get norms() {
    return this.#settings.norms;
  }
  get done() {
    return this.#index >= this.#batches.length;
  }
  // The settings to train next, or null when the sweep is over.
  get current() {
    return this.done ? null : sweepSettings(this.#settings, this.#batches[this.#index]);
  }

  // runs: [{norm, status, accuracy, valuesPerStatistic}] of the current batch size, after
  // their last evaluation (a diverged or failed run has no error). Moves to the next size.
  record(runs) {
    const batch = this.#batches[this.#index];
    for (const r of runs) {
      const ok = r.status === 'ready' && r.accuracy !== null;
      this.results.push({ batch, norm: r.norm, error: ok ? 1 - r.accuracy : null, status: r.status, valuesPerStatistic: r.valuesPerStatistic });
    }
    this.#index += 1;
  }

  // What the findings read: {preset, norms, results, running}.
  view() {
    const current = this.current;
    return { preset: this.preset, norms: this.norms, results: this.results.filter((r) => r.error !== null), running: current ? { batch: current.batch } : null };
  }
}
