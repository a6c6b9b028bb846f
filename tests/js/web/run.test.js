// web/worker/run.js with the real engine (SIMD build) in Node: what the worker does between
// messages — chunked training, lockstep limits, learning-rate changes at an exact step,
// evaluations, probes and divergence.
import { beforeAll, describe, expect, test } from 'vitest';
import { engine } from '../engine.js';
import { confidentMistakes, MISTAKES_SENT, RunController, evalEveryFor, probeEveryFor } from '../../../web/worker/run.js';

let nl, data;
beforeAll(async () => {
  nl = await engine(true);
  data = await nl.datasets.mnist();
});

const config = (over = {}) => ({ preset: 'mlp', norm: 'batch', seed: 1, batchSize: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, bnMomentum: 0.1, ...over });

// A controller whose events are collected; `settled()` resolves at the next 'idle'.
function harness() {
  const events = [];
  let onIdle = null;
  const emit = (ev) => {
    events.push(ev);
    if (ev.type === 'idle' && onIdle) onIdle(ev);
  };
  const yieldNow = () => new Promise((r) => setImmediate(r));
  const run = new RunController(nl, data, emit, yieldNow);
  const idle = () => new Promise((r) => (onIdle = r));
  const of = (type) => events.filter((e) => e.type === type);
  return { run, events, idle, of };
}

async function trainUntil(h, until) {
  const done = h.idle();
  h.run.handle({ type: 'train', until });
  return done;
}

describe('RunController', () => {
  test('configure answers ready with the model info and the run id', () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 7, config: config() });
    const [ready] = h.of('ready');
    expect(ready).toMatchObject({ id: 7, stepsPerEpoch: 125, trainCount: 8000, testCount: 2000, evalEvery: 63, evalTrainMode: true });
    expect(ready.info).toMatchObject({ preset: 'mlp', norm: 'batch' });
    expect(evalEveryFor(125)).toBe(63);
    expect(probeEveryFor(4000)).toBe(100);
    h.run.handle({ type: 'configure', id: 8, config: config({ norm: 'layer-sample' }) });
    expect(h.of('ready')[1]).toMatchObject({ id: 8, evalTrainMode: false });
  });

  test('a bad config is answered with an error that names the problem', () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config({ preset: 'tiny', norm: 'group:3' }) });
    expect(h.of('ready')).toHaveLength(0);
    expect(h.of('error')[0]).toMatchObject({ id: 1, phase: 'configure' });
    expect(h.of('error')[0].message).toMatch(/3 groups do not divide the layer's 8 channels/);
  });

  test('train runs exactly up to `until`, reporting every step once, in order', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    const idle = await trainUntil(h, 40);
    expect(idle.step).toBe(40);
    const steps = h.of('steps');
    let next = 0;
    for (const s of steps) {
      expect(s.first).toBe(next);
      next += s.loss.length;
      for (const v of s.loss) expect(Number.isFinite(v)).toBe(true);
    }
    expect(next).toBe(40);
    expect(steps.length).toBeGreaterThan(1); // the first chunk is one step, to measure its cost
  });

  test('the same config and seed give the same losses (what lockstep runs rely on)', async () => {
    const a = harness();
    const b = harness();
    for (const h of [a, b]) h.run.handle({ type: 'configure', id: 1, config: config() });
    await trainUntil(a, 20);
    await trainUntil(b, 20);
    const losses = (h) => h.of('steps').flatMap((s) => Array.from(s.loss));
    expect(losses(a)).toEqual(losses(b));
  });

  test('a learning-rate change lands exactly at its step', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    h.run.handle({ type: 'set-lr', lr: 0.01, atStep: 10 });
    await trainUntil(h, 30);
    for (const s of h.of('steps')) {
      const last = s.first + s.loss.length - 1;
      expect(s.lr, `chunk ${s.first}..${last}`).toBeCloseTo(last < 10 ? 0.05 : 0.01, 6);
      expect(s.first < 10 && last >= 10).toBe(false); // no chunk straddles the change
    }
  });

  test('pause stops a long run after the chunk in flight', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    const done = h.idle();
    h.run.handle({ type: 'train', until: 100000 });
    await new Promise((r) => setImmediate(r));
    h.run.handle({ type: 'pause' });
    const idle = await done;
    expect(idle.step).toBeGreaterThan(0);
    expect(idle.step).toBeLessThan(100000);
    expect(h.run.step).toBe(idle.step);
  });

  test('evaluations come at half epochs, in both modes for BatchNorm, with probes on the way', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    await trainUntil(h, 63);
    const [ev] = h.of('eval');
    expect(ev).toMatchObject({ step: 63 });
    expect(ev.test.accuracy).toBeGreaterThan(0.5);
    expect(ev.trainMode.accuracy).toBeGreaterThan(0.5);
    const samples = h.of('probes').flatMap((p) => p.samples);
    expect(samples.map((s) => s.step)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]);
    const bn = samples.at(-1).norms[0];
    expect(bn).toMatchObject({ kind: 'batch_norm2d', valuesPerStatistic: 64 });
    expect(bn.runningMean).toBeInstanceOf(Float32Array);
    expect(bn.runningMean).toHaveLength(100);
    expect(samples.at(-1).activations[0]).toHaveProperty('p85');
    expect(samples.at(-1).activations[0]).toHaveProperty('unitP50');
    expect(samples.at(-1).params.map((p) => p.name)).toContain('1.weight'); // mlp: layer 0 flattens
    expect(samples.at(-1).params[0].gradNorm).toBeGreaterThan(0);
  });

  test('an evaluation carries the confusion matrix, the surest mistakes and the true BatchNorm statistics', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    await trainUntil(h, 63);
    const [ev] = h.of('eval');
    const { confusion } = ev.test;
    expect(confusion).toBeInstanceOf(Int32Array);
    expect(confusion.reduce((a, b) => a + b, 0)).toBe(2000);
    let correct = 0;
    for (let d = 0; d < 10; ++d) correct += confusion[11 * d];
    expect(correct / 2000).toBeCloseTo(ev.test.accuracy, 6);
    expect(ev.mistakes).toHaveLength(Math.min(MISTAKES_SENT, 2000 - correct));
    const labels = data.test.labels();
    for (const m of ev.mistakes) {
      expect(m.predicted).not.toBe(labels[m.index]);
      expect(m.label).toBe(labels[m.index]);
      expect(m.image).toHaveLength(784);
    }
    for (let k = 1; k < ev.mistakes.length; ++k) expect(ev.mistakes[k].confidence).toBeLessThanOrEqual(ev.mistakes[k - 1].confidence);
    // BatchNorm's population statistics, for every BatchNorm layer, over 31 batches of 64.
    expect(ev.population.samples).toBe(1984);
    expect(ev.population.layers.map((l) => l.name)).toEqual(h.of('ready')[0].info.layers.filter((l) => l.kind === 'batch_norm2d').map((l) => l.name));
    expect(ev.population.layers[0].var.every((v) => v > 0)).toBe(true);
  });

  test('a run resumed from its checkpoint goes on with exactly the losses it would have had', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    await trainUntil(h, 90);
    const [cp] = h.of('checkpoint');
    expect(cp.step).toBe(63); // sent with the half-epoch evaluation
    const after = (x) => x.of('steps').flatMap((s) => Array.from(s.loss, (l, k) => [s.first + k, l])).filter(([step]) => step >= 63);
    const again = harness();
    again.run.handle({ type: 'configure', id: 2, config: config(), resume: cp.bytes });
    expect(again.of('ready')[0]).toMatchObject({ id: 2, resumedAt: 63 });
    expect(again.run.step).toBe(63);
    await trainUntil(again, 90);
    expect(after(again)).toEqual(after(h));
    const broken = harness();
    broken.run.handle({ type: 'configure', id: 3, config: config(), resume: cp.bytes.slice(0, 50) });
    expect(broken.of('error')[0].message).toMatch(/could not resume from its checkpoint/);
  });

  test('confidentMistakes keeps the wrong ones, surest first, with their pixels', () => {
    const labels = Uint8Array.of(1, 2, 3, 4);
    const images = Uint8Array.from({ length: 8 }, (_, i) => i);
    const mistakes = confidentMistakes({ predictions: Uint8Array.of(1, 0, 0, 0), confidence: Float32Array.of(0.9, 0.5, 0.8, 0.5) }, labels, images, 2);
    expect(mistakes.map((m) => [m.index, m.label, m.predicted, Array.from(m.image)])).toEqual([[2, 3, 0, [4, 5]], [1, 2, 0, [2, 3]]]);
  });

  test('a drawn digit gets class probabilities, and the weights come back as a file that restarts the run', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config() });
    await trainUntil(h, 20);
    const digit = data.test.images().slice(0, 784);
    const pixels = Float32Array.from(digit, (b) => (b / 255 - 0.1307) / 0.3081);
    h.run.handle({ type: 'predict', requestId: 5, pixels });
    const [p] = h.of('prediction');
    expect(p.requestId).toBe(5);
    expect(p.probabilities).toHaveLength(10);
    expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    h.run.handle({ type: 'save' });
    const [w] = h.of('weights');
    expect(w).toMatchObject({ step: 20, preset: 'mlp', norm: 'batch' });
    // The same weights give the same probabilities in a run started from them.
    const again = harness();
    again.run.handle({ type: 'configure', id: 2, config: config(), weights: w.bytes });
    expect(again.of('ready')[0]).toMatchObject({ id: 2, fromWeights: true });
    again.run.handle({ type: 'predict', requestId: 6, pixels });
    expect(Array.from(again.of('prediction')[0].probabilities)).toEqual(Array.from(p.probabilities));
    // Weights of another preset or norm are refused with both named.
    const other = harness();
    other.run.handle({ type: 'configure', id: 3, config: config({ norm: 'layer-sample' }), weights: w.bytes });
    expect(other.of('error')[0]).toMatchObject({ phase: 'configure' });
    expect(other.of('error')[0].message).toMatch(/the weights file holds mlp with norm batch, but this run is mlp with norm layer-sample/);
    const broken = harness();
    broken.run.handle({ type: 'configure', id: 4, config: config(), weights: w.bytes.slice(0, 100) });
    expect(broken.of('error')[0].message).toMatch(/^model file: /);
  });

  test('a diverging step ends the run with a message naming the step and layer', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config({ preset: 'mlp-relu', norm: 'none', lr: 10 }) });
    const done = h.idle();
    h.run.handle({ type: 'train', until: 200 });
    // Divergence ends the loop without an idle: wait for the event itself.
    for (let t = 0; t < 200 && !h.of('diverged').length; ++t) await new Promise((r) => setTimeout(r, 50));
    const [d] = h.of('diverged');
    expect(d.message).toMatch(/training diverged at step \d+/);
    expect(d.step).toBe(Number(/at step (\d+)/.exec(d.message)[1]));
    // Later commands are answered, but nothing trains any more.
    h.run.handle({ type: 'train', until: 300 });
    expect((await done).step).toBeLessThan(200);
    expect(h.of('diverged')).toHaveLength(1);
  });
});
