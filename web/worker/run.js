// One training run inside a worker: builds model + trainer from a config, trains in chunks
// sized to ~50 ms, yields between chunks so commands get through, evaluates on the test set
// at fixed steps, and reports through `emit(event, transfer)` (messages of web/protocol.js).
// Knows nothing of postMessage: the worker passes `emit` and `yieldNow`, so tests can drive
// it in Node with the real engine.
import { engineNorm } from '../protocol.js';

const CHUNK_MS = 50;
const MAX_CHUNK = 5000;

// Evaluations at half epochs: one evaluation of the 2,000 test digits costs about as much
// as 1,300/B training steps (forward only, 2,000 samples vs 3× the work on B), so this keeps
// evaluation to about a third of the time at B = 64 and less below it.
export function evalEveryFor(stepsPerEpoch) {
  return Math.max(1, Math.ceil(stepsPerEpoch / 2));
}

const nextMultiple = (step, every) => (Math.floor(step / every) + 1) * every;

// About 40 probe samples per epoch: enough for smooth running-statistics curves.
export function probeEveryFor(stepsPerEpoch) {
  return Math.max(1, Math.ceil(stepsPerEpoch / 40));
}

// Only what the charts draw, as fresh typed arrays (the engine's are copies already).
function slimProbe(s) {
  return {
    step: s.step,
    norms: s.norms.map((n) => ({
      name: n.name,
      kind: n.kind,
      valuesPerStatistic: n.valuesPerStatistic,
      runningMean: n.runningMean,
      runningVar: n.runningVar,
      batchMean: n.batchMean,
      batchVar: n.batchVar,
    })),
    activations: s.activations.map((a) => ({ name: a.name, kind: a.kind, p15: a.p15, p50: a.p50, p85: a.p85 })),
  };
}

export class RunController {
  #nl;
  #data;
  #emit;
  #yieldNow;
  #now;
  #model = null;
  #trainer = null;
  #step = 0;
  #until = 0;
  #over = false;
  #looping = false;
  #lrChanges = [];
  #stepsPerEpoch = 1;
  #evalEvery = 1;
  #nextProbeStep = 0;
  #evalTrainMode = false;
  #msPerStep = 0;
  #chunkTarget = 1;
  #id = 0;

  // nl: the engine; data: {train, test} Datasets; emit(event, transfer); yieldNow(): Promise.
  constructor(nl, data, emit, yieldNow, now = () => performance.now()) {
    this.#nl = nl;
    this.#data = data;
    this.#emit = (event, transfer) => emit({ ...event, id: this.#id }, transfer);
    this.#yieldNow = yieldNow;
    this.#now = now;
  }

  get step() {
    return this.#step;
  }

  handle(cmd) {
    switch (cmd.type) {
      case 'configure':
        this.#id = cmd.id;
        return this.#configure(cmd.config);
      case 'train':
        this.#until = cmd.until;
        return this.#kick();
      case 'pause':
        this.#until = this.#step;
        return this.#kick();
      case 'step':
        this.#until = this.#step + 1;
        return this.#kick();
      case 'set-lr':
        this.#lrChanges.push({ lr: cmd.lr, atStep: cmd.atStep });
        this.#lrChanges.sort((a, b) => a.atStep - b.atStep);
        if (!this.#looping) this.#applyLr();
        return undefined;
      case 'stop':
        this.#dispose();
        this.#emit({ type: 'idle', step: this.#step });
        return undefined;
      default:
        this.#emit({ type: 'error', phase: 'command', message: `unknown command ${cmd.type}` });
        return undefined;
    }
  }

  #dispose() {
    this.#trainer?.dispose();
    this.#model?.dispose();
    this.#trainer = null;
    this.#model = null;
    this.#over = true;
  }

  #configure(config) {
    this.#dispose();
    this.#step = 0;
    this.#until = 0;
    this.#lrChanges = [];
    this.#msPerStep = 0;
    this.#chunkTarget = 1;
    this.#nextProbeStep = 0;
    try {
      this.#model = this.#nl.createModel({
        preset: config.preset,
        norm: engineNorm(config.norm, config.bnMomentum),
        seed: config.seed,
      });
      // probeEvery must be fixed at creation, before the trainer can report stepsPerEpoch.
      const probeEvery = probeEveryFor(Math.ceil(this.#data.train.count / config.batchSize));
      this.#trainer = this.#nl.createTrainer(this.#model, this.#data.train, {
        optimizer: config.optimizer,
        lr: config.lr,
        momentum: config.momentum,
        batchSize: config.batchSize,
        seed: config.seed,
        probeEvery,
      });
      const { stepsPerEpoch } = this.#trainer.state;
      this.#stepsPerEpoch = stepsPerEpoch;
      this.#evalEvery = evalEveryFor(stepsPerEpoch);
      const info = this.#model.info;
      this.#evalTrainMode = info.layers.some((l) => /batch_norm|dropout/.test(l.kind));
      this.#over = false;
      this.#emit({
        type: 'ready',
        info,
        stepsPerEpoch,
        trainCount: this.#data.train.count,
        testCount: this.#data.test.count,
        evalEvery: this.#evalEvery,
        probeEvery,
        evalTrainMode: this.#evalTrainMode,
      });
    } catch (e) {
      this.#dispose();
      this.#emit({ type: 'error', phase: 'configure', message: e.message });
    }
  }

  #applyLr() {
    let lr = null;
    while (this.#lrChanges.length && this.#lrChanges[0].atStep <= this.#step) lr = this.#lrChanges.shift().lr;
    if (lr !== null && this.#trainer) this.#trainer.setLearningRate(lr);
  }

  #kick() {
    if (this.#looping) return undefined;
    if (!this.#trainer || this.#over || this.#step >= this.#until) {
      this.#emit({ type: 'idle', step: this.#step });
      return undefined;
    }
    return this.#loop();
  }

  async #loop() {
    this.#looping = true;
    try {
      while (this.#trainer && !this.#over && this.#step < this.#until) {
        this.#applyLr();
        const nextEval = Math.min(nextMultiple(this.#step, this.#evalEvery), nextMultiple(this.#step, this.#stepsPerEpoch));
        const nextLr = this.#lrChanges.length ? this.#lrChanges[0].atStep : Infinity;
        const n = Math.max(1, Math.min(this.#chunkTarget, this.#until - this.#step, nextEval - this.#step, nextLr - this.#step));
        if (!this.#trainChunk(n)) return;
        // Evaluate every half epoch and at every epoch's end (the two differ for odd epochs).
        if (this.#step % this.#evalEvery === 0 || this.#step % this.#stepsPerEpoch === 0) this.#evaluate();
        this.#sendProbes();
        await this.#yieldNow();
      }
      if (this.#trainer && !this.#over) this.#emit({ type: 'idle', step: this.#step });
    } finally {
      this.#looping = false;
    }
  }

  // Returns false when the run diverged (and is over).
  #trainChunk(n) {
    const t0 = this.#now();
    let results;
    try {
      results = this.#trainer.steps(n);
    } catch (e) {
      // The engine hands back the steps of this chunk that finished before the failing one,
      // so the charts keep every recorded point up to the divergence.
      if (e.completed?.length) this.#emitSteps(e.completed, this.#msPerStep);
      const m = /at step (\d+)/.exec(e.message);
      this.#over = true;
      this.#emit({ type: 'diverged', step: m ? Number(m[1]) : this.#step, message: e.message });
      return false;
    }
    const ms = (this.#now() - t0) / results.length;
    this.#msPerStep = this.#msPerStep ? 0.7 * this.#msPerStep + 0.3 * ms : ms;
    this.#chunkTarget = Math.max(1, Math.min(MAX_CHUNK, Math.round(CHUNK_MS / Math.max(this.#msPerStep, 1e-3))));
    this.#emitSteps(results, this.#msPerStep);
    return true;
  }

  #emitSteps(results, msPerStep) {
    const loss = new Float32Array(results.length);
    const accuracy = new Float32Array(results.length);
    results.forEach((r, i) => {
      loss[i] = r.loss;
      accuracy[i] = r.accuracy;
    });
    const last = results[results.length - 1];
    this.#emit(
      {
        type: 'steps',
        first: this.#step,
        loss,
        accuracy,
        lr: last.lr,
        epoch: last.epoch,
        msPerStep,
        chunkTarget: this.#chunkTarget,
      },
      [loss.buffer, accuracy.buffer],
    );
    this.#step += results.length;
  }

  #evaluate() {
    const pick = (r) => ({ loss: r.loss, accuracy: r.accuracy });
    const test = pick(this.#trainer.evaluate(this.#data.test));
    const trainMode = this.#evalTrainMode ? pick(this.#trainer.evaluate(this.#data.test, { training: true })) : null;
    this.#emit({ type: 'eval', step: this.#step, epoch: this.#step / this.#stepsPerEpoch, test, trainMode });
  }

  #sendProbes() {
    const samples = this.#trainer.probes(this.#nextProbeStep);
    if (!samples.length) return;
    this.#nextProbeStep = samples[samples.length - 1].step + 1;
    this.#emit({ type: 'probes', samples: samples.map(slimProbe) });
  }
}
