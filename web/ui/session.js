// The runs of one comparison, each in its own worker, kept in lockstep: the UI lets every
// run train only up to `until` = (slowest live run's step) + lead, so no run gets more than
// about one chunk ahead. Pausing stops all runs after their current chunk, then brings the
// ones behind level with the furthest. Learning-rate changes are scheduled at a step no run
// can have passed yet (the highest `until` sent), so every run changes at the same step.
// A crashed run is restarted in a new worker from its latest checkpoint (or from step 0 when
// it has none), with the learning-rate changes after that step sent again, so it replays
// exactly what it did before (the runs are deterministic).
// Owns no DOM: it reports run events through onEvent(runIndex, event) and play state through
// onState({playing, finished}). createWorker() returns a Worker (or a test double).
import { validateEvent } from '../protocol.js';

const MIN_LEAD = 16;

export class Session {
  #createWorker;
  #onEvent;
  #onState;
  #runs = [];
  #playing = false;
  #pausing = false;
  #until = 0;
  #epochs = 0;
  #nextId = 1;
  #dataCommand = null; // the user's data, sent to every worker spawned later too
  #lrChanges = []; // [{lr, atStep}] since the runs were configured

  constructor({ createWorker, onEvent = () => {}, onState = () => {} }) {
    this.#createWorker = createWorker;
    this.#onEvent = onEvent;
    this.#onState = onState;
  }

  get playing() {
    return this.#playing;
  }
  get runCount() {
    return this.#runs.length;
  }
  run(i) {
    const r = this.#runs[i];
    return { status: r.status, step: r.step, stepsPerEpoch: r.stepsPerEpoch, config: r.config };
  }

  // configs: one run config (web/protocol.js validateConfig) per run; epochs: 0 = no limit;
  // weights: per run, a saved model (Uint8Array) to start from, or undefined.
  // Reuses workers (the engine stays loaded), so a reset is quick.
  configure(configs, { epochs = 0, weights = [] } = {}) {
    this.#setPlaying(false);
    this.#pausing = false;
    this.#until = 0;
    this.#epochs = epochs;
    this.#lrChanges = [];
    while (this.#runs.length > configs.length) this.#runs.pop().worker.terminate();
    configs.forEach((config, i) => {
      if (!this.#runs[i]) this.#runs[i] = { worker: this.#spawn(i) };
      const id = this.#nextId++;
      Object.assign(this.#runs[i], { id, config, weights: weights[i], checkpoint: null, status: 'loading', step: 0, idle: true, sent: -1, chunkTarget: 1, stepsPerEpoch: 0 });
      this.#sendConfigure(this.#runs[i]);
    });
  }

  // Weights and checkpoints travel as copies: the UI keeps its own.
  #sendConfigure(r, resume = null) {
    const msg = { type: 'configure', id: r.id, config: r.config };
    if (resume) msg.resume = resume.slice();
    else if (r.weights) msg.weights = r.weights.slice();
    r.worker.postMessage(msg);
  }

  // Every worker switches to other data (a 'data' command, web/protocol.js); the runs must
  // be configured again afterwards, which each worker does only after the data is in.
  setData(command) {
    this.#setPlaying(false);
    this.#dataCommand = command.source === 'files' ? command : null;
    for (const r of this.#runs) r.worker.postMessage(command);
  }

  // Class probabilities of a drawn digit from every run that has a model; answers arrive
  // as 'prediction' events carrying requestId. Returns how many runs were asked.
  predict(pixels, requestId) {
    let asked = 0;
    for (const r of this.#runs) {
      if (r.status !== 'ready' && r.status !== 'diverged') continue;
      r.worker.postMessage({ type: 'predict', requestId, pixels: pixels.slice() });
      asked += 1;
    }
    return asked;
  }

  // Run i's model as bytes, answered by a 'weights' event.
  save(i) {
    this.#runs[i]?.worker.postMessage({ type: 'save' });
  }

  // Starts a crashed (or failed) run again in a new worker, from its latest checkpoint or from
  // step 0; the others wait for it to catch up (lockstep). Returns the step it starts from.
  restart(i) {
    const r = this.#runs[i];
    r.worker.terminate();
    r.worker = this.#spawn(i);
    const id = this.#nextId++;
    const from = r.checkpoint?.step ?? 0;
    Object.assign(r, { id, status: 'loading', step: from, idle: true, sent: -1, chunkTarget: 1 });
    this.#sendConfigure(r, r.checkpoint?.bytes);
    for (const c of this.#lrChanges) if (c.atStep > from) r.worker.postMessage({ type: 'set-lr', ...c });
    return from;
  }

  // Changes the epoch limit without touching the runs (0 = no limit).
  setEpochs(epochs) {
    this.#epochs = epochs;
    if (this.#playing && this.#finished()) this.pause(); // runs may be allowed past the new limit
    else if (this.#playing) this.#pump();
    this.#onState({ playing: this.#playing, finished: this.#finished() });
  }

  get finished() {
    return this.#finished();
  }

  play() {
    if (!this.#live().length || this.#finished()) return;
    this.#pausing = false;
    this.#setPlaying(true);
    this.#pump();
  }

  pause() {
    if (!this.#playing) return;
    this.#setPlaying(false);
    this.#pausing = true;
    for (const r of this.#live()) {
      r.sent = -1;
      r.idle = false; // every run answers a pause with 'idle'; align waits for all answers
      this.#send(r, { type: 'pause' });
    }
  }

  // One step for every live run, from a common step.
  step() {
    if (this.#playing) return;
    const live = this.#live();
    if (!live.length) return;
    this.#trainAll(Math.max(...live.map((r) => r.step)) + 1);
  }

  setLearningRate(lr) {
    const atStep = Math.max(this.#until, ...this.#runs.map((r) => r.step));
    this.#lrChanges.push({ lr, atStep });
    for (const r of this.#runs) {
      if (r.status !== 'crashed' && r.status !== 'diverged') r.worker.postMessage({ type: 'set-lr', lr, atStep });
    }
  }

  dispose() {
    for (const r of this.#runs) r.worker.terminate();
    this.#runs = [];
  }

  #spawn(i) {
    const worker = this.#createWorker();
    if (this.#dataCommand) worker.postMessage(this.#dataCommand);
    worker.onmessage = (e) => this.#receive(worker, e.data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.#crash(worker, e.message || 'the worker stopped with an unknown error');
    };
    worker.onmessageerror = () => this.#crash(worker, 'a message from the worker could not be read');
    return worker;
  }

  #indexOf(worker) {
    return this.#runs.findIndex((r) => r.worker === worker);
  }

  #crash(worker, message) {
    const i = this.#indexOf(worker);
    if (i < 0) return;
    this.#runs[i].status = 'crashed';
    this.#onEvent(i, { type: 'crash', message });
    this.#afterChange();
  }

  #receive(worker, ev) {
    const i = this.#indexOf(worker);
    if (i < 0) return; // a terminated worker's last words
    const problem = validateEvent(ev);
    if (problem) {
      this.#onEvent(i, { type: 'error', phase: 'protocol', message: `malformed message from the worker: ${problem}` });
      return;
    }
    const r = this.#runs[i];
    if (ev.id !== undefined && ev.id !== r.id) return; // about a run this one replaced
    switch (ev.type) {
      case 'ready':
        r.status = 'ready';
        r.stepsPerEpoch = ev.stepsPerEpoch;
        break;
      case 'checkpoint':
        r.checkpoint = { step: ev.step, bytes: ev.bytes };
        return; // kept here; nothing to show
      case 'steps':
        r.step = ev.first + ev.loss.length;
        r.chunkTarget = ev.chunkTarget ?? 1;
        break;
      case 'idle':
        r.step = ev.step;
        r.idle = true;
        r.sent = -1; // the worker's limit is now its step; a new train must be sent
        break;
      case 'diverged':
        r.status = 'diverged';
        break;
      case 'error':
        if (ev.phase === 'configure' || ev.phase === 'load' || ev.phase === 'train') r.status = 'failed';
        break;
      default:
        break;
    }
    this.#onEvent(i, ev);
    this.#afterChange();
  }

  #live() {
    return this.#runs.filter((r) => r.status === 'ready');
  }

  #stopAt() {
    const live = this.#live();
    if (!this.#epochs || !live.length) return Infinity;
    return this.#epochs * live[0].stepsPerEpoch;
  }

  #finished() {
    const live = this.#live();
    return live.length > 0 && live.every((r) => r.step >= this.#stopAt());
  }

  #afterChange() {
    if (this.#playing) {
      if (!this.#live().length || this.#finished()) this.#setPlaying(false);
      else this.#pump();
    } else if (this.#pausing) {
      this.#align();
    }
  }

  #pump() {
    const live = this.#live();
    const lead = Math.max(MIN_LEAD, 3 * Math.max(...live.map((r) => r.chunkTarget)));
    const target = Math.min(Math.min(...live.map((r) => r.step)) + lead, this.#stopAt());
    this.#until = Math.max(this.#until, target);
    this.#trainAll(this.#until);
  }

  // After a pause: once every live run is idle, bring the ones behind up to the furthest.
  #align() {
    const live = this.#live();
    if (!live.every((r) => r.idle)) return;
    this.#pausing = false;
    const top = Math.max(0, ...live.map((r) => r.step));
    this.#until = top; // every run is idle at or below top, so none is past it
    this.#trainAll(top);
  }

  // Asks every live run that is below `until` to train up to it (once per value).
  #trainAll(until) {
    this.#until = Math.max(this.#until, until);
    for (const r of this.#live()) {
      if (r.step >= until || r.sent === until) continue;
      r.sent = until;
      r.idle = false;
      this.#send(r, { type: 'train', until });
    }
  }

  #send(r, msg) {
    r.worker.postMessage(msg);
  }

  #setPlaying(playing) {
    const changed = playing !== this.#playing;
    this.#playing = playing;
    if (changed) this.#onState({ playing, finished: this.#finished() });
  }
}
