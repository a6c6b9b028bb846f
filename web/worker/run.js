// One training run inside a worker: builds model + trainer from a config (or from uploaded
// weights), trains in chunks sized to ~50 ms, yields between chunks so commands get through,
// evaluates on the test set at fixed steps, answers predictions for drawn digits, and reports
// through `emit(event, transfer)` (messages of web/protocol.js).
// Knows nothing of postMessage: the worker passes `emit` and `yieldNow`, so tests can drive
// it in Node with the real engine.
import { engineNorm } from '../protocol.js';

const CHUNK_MS = 50;
const MAX_CHUNK = 5000;
// Misclassified test digits sent with each evaluation: the most confidently wrong first.
export const MISTAKES_SENT = 24;
// Training digits over which BatchNorm's population statistics are measured at each
// evaluation: about the cost of one evaluation of the 2,000 test digits.
const POPULATION_SAMPLES = 2000;
// Channels of gamma/beta sent per norm layer (what the charts draw).
const CHANNELS_SENT = 16;
// Runs up to this many parameters send a checkpoint with every evaluation, from which a
// crashed worker's replacement resumes (about 12 bytes per parameter with SGD momentum, so
// at most ~25 MB per checkpoint); larger runs restart from step 0.
const CHECKPOINT_MAX_PARAMETERS = 2_000_000;

// Evaluations at half epochs: one evaluation of the 2,000 test digits costs about as much
// as 1,300/B training steps (forward only, 2,000 samples vs 3× the work on B), so this keeps
// evaluation to about a third of the time at B = 64 and less below it.
export function evalEveryFor(stepsPerEpoch) {
  return Math.max(1, Math.ceil(stepsPerEpoch / 2));
}

const nextMultiple = (step, every) => (Math.floor(step / every) + 1) * every;

// The test set is evaluated in batches of 500, or fewer for the large presets, whose
// activations for 500 samples would not fit in memory: about 2 GFLOP of forward work per
// evaluation batch, and never fewer samples than a training batch.
function evalBatchFor(forwardFlops, batchSize) {
  return Math.min(500, Math.max(batchSize, Math.floor(2e9 / forwardFlops)));
}

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
      gamma: n.gamma.slice(0, CHANNELS_SENT),
      beta: n.beta.slice(0, CHANNELS_SENT),
    })),
    activations: s.activations.map((a) => ({
      name: a.name,
      kind: a.kind,
      mean: a.mean,
      std: a.std,
      p15: a.p15,
      p50: a.p50,
      p85: a.p85,
      unitP15: a.unitP15,
      unitP50: a.unitP50,
      unitP85: a.unitP85,
    })),
    params: s.params.map((p) => ({ name: p.name, gradNorm: p.gradNorm, updateRatio: p.updateRatio })),
  };
}

// The `limit` most confidently misclassified samples of an evaluation, with their images
// (count×784 bytes in `images`): [{index, label, predicted, confidence, image}].
export function confidentMistakes({ predictions, confidence }, labels, images, limit = MISTAKES_SENT) {
  const size = images.length / labels.length;
  const wrong = [];
  for (let i = 0; i < labels.length; ++i) if (predictions[i] !== labels[i]) wrong.push(i);
  wrong.sort((a, b) => confidence[b] - confidence[a] || a - b);
  return wrong.slice(0, limit).map((index) => ({
    index,
    label: labels[index],
    predicted: predictions[index],
    confidence: confidence[index],
    image: images.slice(index * size, (index + 1) * size),
  }));
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
  #hasBatchNorm = false;
  #checkpoints = false;
  #batchSize = 1;
  #test = null; // the test set's labels and images, read once per dataset

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

  // Another dataset ({train, test}): the current run ends and must be configured again.
  setData(data) {
    this.#dispose();
    this.#data = data;
    this.#test = null;
  }

  handle(cmd) {
    switch (cmd.type) {
      case 'configure':
        this.#id = cmd.id;
        return cmd.resume ? this.#resume(cmd.config, cmd.resume) : this.#configure(cmd.config, cmd.weights);
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
      case 'predict':
        return this.#predict(cmd);
      case 'save':
        return this.#save();
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

  #configure(config, weights) {
    this.#dispose();
    this.#step = 0;
    this.#until = 0;
    this.#lrChanges = [];
    this.#msPerStep = 0;
    this.#chunkTarget = 1;
    this.#nextProbeStep = 0;
    try {
      this.#model = weights ? this.#loadWeights(weights, config) : this.#nl.createModel({
        preset: config.preset,
        norm: engineNorm(config.norm, config.bnMomentum),
        seed: config.seed,
      });
      this.#trainer = this.#nl.createTrainer(this.#model, this.#data.train, {
        evalBatchSize: evalBatchFor(this.#model.info.forwardFlops, config.batchSize),
        optimizer: config.optimizer,
        lr: config.lr,
        momentum: config.momentum,
        batchSize: config.batchSize,
        seed: config.seed,
        augment: !!config.augment,
        probeEvery: this.#probeEvery(config),
      });
      this.#ready(config, { fromWeights: !!weights });
    } catch (e) {
      this.#dispose();
      this.#emit({ type: 'error', phase: 'configure', message: e.message });
    }
  }

  // The run again from a checkpoint of its own (after its worker crashed): it goes on from the
  // checkpoint's step exactly as it would have (same losses, same data order).
  #resume(config, bytes) {
    this.#dispose();
    this.#until = 0;
    this.#lrChanges = [];
    this.#msPerStep = 0;
    this.#chunkTarget = 1;
    try {
      this.#trainer = this.#nl.resumeTrainer(bytes, this.#data.train);
      this.#model = this.#trainer.model;
      this.#step = this.#trainer.state.step;
      this.#nextProbeStep = this.#step;
      this.#ready(config, { resumedAt: this.#step });
    } catch (e) {
      this.#dispose();
      this.#emit({ type: 'error', phase: 'configure', message: `the run could not resume from its checkpoint: ${e.message}` });
    }
  }

  // Fixed at the trainer's creation, before it can report stepsPerEpoch.
  #probeEvery(config) {
    return probeEveryFor(Math.ceil(this.#data.train.count / config.batchSize));
  }

  #ready(config, extra) {
    const { stepsPerEpoch } = this.#trainer.state;
    this.#stepsPerEpoch = stepsPerEpoch;
    this.#evalEvery = evalEveryFor(stepsPerEpoch);
    const info = this.#model.info;
    this.#evalTrainMode = info.layers.some((l) => /batch_norm|dropout/.test(l.kind));
    this.#hasBatchNorm = info.layers.some((l) => l.kind === 'batch_norm2d');
    this.#checkpoints = info.parameters <= CHECKPOINT_MAX_PARAMETERS;
    this.#batchSize = config.batchSize;
    this.#over = false;
    this.#emit({
      type: 'ready',
      info,
      evalBatchSize: evalBatchFor(info.forwardFlops, config.batchSize),
      stepsPerEpoch,
      trainCount: this.#data.train.count,
      testCount: this.#data.test.count,
      evalEvery: this.#evalEvery,
      probeEvery: this.#probeEvery(config),
      evalTrainMode: this.#evalTrainMode,
      fromWeights: false,
      resumedAt: null,
      ...extra,
    });
  }

  // A model from a file the user chose; it must be the run's preset and norm, since the runs
  // of a comparison share their architecture and differ only in the norm.
  #loadWeights(bytes, config) {
    const model = this.#nl.loadModel(bytes);
    const want = engineNorm(config.norm, config.bnMomentum);
    if (model.preset !== config.preset || model.norm !== want) {
      const got = `${model.preset} with norm ${model.norm}`;
      model.dispose();
      throw new Error(`the weights file holds ${got}, but this run is ${config.preset} with norm ${want}; choose that preset and norm first`);
    }
    return model;
  }

  // Class probabilities of one drawn digit (784 normalized pixels) in eval mode.
  #predict({ requestId, pixels }) {
    if (!this.#model) {
      this.#emit({ type: 'prediction', requestId, probabilities: null, step: this.#step });
      return;
    }
    const logits = this.#model.forward(pixels, 1);
    const max = Math.max(...logits);
    const exp = logits.map((z) => Math.exp(z - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const probabilities = exp.map((e) => e / sum);
    this.#emit({ type: 'prediction', requestId, probabilities, step: this.#step }, [probabilities.buffer]);
  }

  #save() {
    if (!this.#model) {
      this.#emit({ type: 'error', phase: 'command', message: 'there is no model to save: the run was not built' });
      return;
    }
    const bytes = this.#model.save();
    this.#emit({ type: 'weights', step: this.#step, bytes, preset: this.#model.preset, norm: this.#model.norm }, [bytes.buffer]);
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
    this.#emitSteps(results, this.#msPerStep, ms);
    return true;
  }

  // msPerStep: the smoothed time per step (chunk sizes follow it); chunkMs: this chunk's own.
  #emitSteps(results, msPerStep, chunkMs = null) {
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
        chunkMs,
        chunkTarget: this.#chunkTarget,
      },
      [loss.buffer, accuracy.buffer],
    );
    this.#step += results.length;
  }

  #evaluate() {
    const pick = (r) => ({ loss: r.loss, accuracy: r.accuracy });
    const result = this.#trainer.evaluate(this.#data.test);
    this.#test ??= { labels: this.#data.test.labels(), images: this.#data.test.images() };
    const test = { ...pick(result), confusion: result.confusion };
    const mistakes = confidentMistakes(result, this.#test.labels, this.#test.images);
    const trainMode = this.#evalTrainMode ? pick(this.#trainer.evaluate(this.#data.test, { training: true })) : null;
    const population = this.#populationStats();
    const transfer = [result.confusion.buffer, ...mistakes.map((m) => m.image.buffer)];
    this.#emit({ type: 'eval', step: this.#step, epoch: this.#step / this.#stepsPerEpoch, test, trainMode, mistakes, population }, transfer);
    if (this.#checkpoints) {
      const bytes = this.#trainer.save();
      this.#emit({ type: 'checkpoint', step: this.#step, bytes }, [bytes.buffer]);
    }
  }

  // BatchNorm runs: what the running statistics estimate, measured on training digits at the
  // run's batch size (null without BatchNorm, or at batch 1 where no batch statistic exists).
  #populationStats() {
    if (!this.#hasBatchNorm || this.#batchSize < 2) return null;
    const maxSamples = Math.min(POPULATION_SAMPLES, this.#data.train.count);
    if (maxSamples < this.#batchSize) return null;
    const stats = this.#trainer.populationStats(this.#data.train, { batchSize: this.#batchSize, maxSamples });
    return { samples: Math.floor(maxSamples / this.#batchSize) * this.#batchSize, layers: stats.map(({ name, mean, var: v }) => ({ name, mean, var: v })) };
  }

  #sendProbes() {
    const samples = this.#trainer.probes(this.#nextProbeStep);
    if (!samples.length) return;
    this.#nextProbeStep = samples[samples.length - 1].step + 1;
    this.#emit({ type: 'probes', samples: samples.map(slimProbe) });
  }
}
