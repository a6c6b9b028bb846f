// web/worker/run.js with the real engine (SIMD build) in Node: what the worker does between
// messages — chunked training, lockstep limits, learning-rate changes at an exact step,
// evaluations, probes and divergence.
import { beforeAll, describe, expect, test } from 'vitest';
import { engine } from '../engine.js';
import { RunController, evalEveryFor, probeEveryFor } from '../../../web/worker/run.js';

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
  });

  test('a diverging step ends the run with a message naming the step and layer', async () => {
    const h = harness();
    h.run.handle({ type: 'configure', id: 1, config: config({ preset: 'mlp-relu', norm: 'none', lr: 10 }) });
    const done = h.idle();
    h.run.handle({ type: 'train', until: 200 });
    await new Promise((r) => setTimeout(r, 50)); // divergence ends the loop without an idle
    const [d] = h.of('diverged');
    expect(d.message).toMatch(/training diverged at step \d+/);
    expect(d.step).toBe(Number(/at step (\d+)/.exec(d.message)[1]));
    // Later commands are answered, but nothing trains any more.
    h.run.handle({ type: 'train', until: 300 });
    expect((await done).step).toBeLessThan(200);
    expect(h.of('diverged')).toHaveLength(1);
  });
});
