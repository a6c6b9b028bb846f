// Memory limits: configurations that would exhaust the wasm memory (2 GB) are refused
// before anything is allocated, with a RangeError naming the preset, the batch, the bytes
// needed and the bytes the engine may still allocate; the engine works normally after.
import { beforeAll, describe, expect, test } from 'vitest';
import { canary } from '../../scripts/soak.mjs';
import { engine } from './engine.js';

let nl, data, reference;
const GB = 2 ** 30;

beforeAll(async () => {
  nl = await engine(true);
  data = await nl.datasets.mnist();
  reference = canary(nl, data.train);
});

// The refusal, its message, and what it leaves behind: an unchanged heap (nothing was
// allocated for it) and a canary computation that is bit-identical to the reference. What
// malloc reports free may differ by a region header: the first call of a path can leave a
// free region split differently, with nothing kept (a fresh engine's first refused conv
// forward shows −8 bytes, the calls after it 0).
function refused(action, pattern) {
  const before = nl.memory();
  let error;
  try {
    action();
  } catch (e) {
    error = e;
  }
  expect(error, 'an error was thrown').toBeInstanceOf(RangeError);
  expect(error.message).toMatch(pattern);
  expect(error.message).toMatch(/needs about [\d.]+ [KMG]B .*more than the [\d.]+ [KMG]B the engine may still allocate \(limit 2\.00 GB\)/);
  const after = nl.memory();
  expect(after.heapBytes).toBe(before.heapBytes);
  expect(Math.abs(after.availableBytes - before.availableBytes)).toBeLessThanOrEqual(16);
  const again = canary(nl, data.train);
  again.forEach((v, i) => expect(Object.is(v, reference[i]), `canary value ${i}`).toBe(true));
  return error;
}

describe('memory limits', () => {
  test('nl.memory() reports the 2 GB limit and what is left of it', () => {
    const m = nl.memory();
    expect(m.limitBytes).toBe(2 * GB);
    expect(m.availableBytes).toBeGreaterThan(GB);
    expect(m.availableBytes).toBeLessThan(m.limitBytes);
    expect(m.heapBytes).toBeGreaterThan(0);
  });

  test('baseline at batch 4096 is refused before allocating, naming the preset, batch and bytes', () => {
    const model = nl.createModel({ preset: 'baseline', norm: 'batch' });
    const e = refused(() => nl.createTrainer(model, data.train, { batchSize: 4096 }),
      /^training preset baseline \(norm batch\) at batch 4096 needs about [23]\.\d+ GB \(.*activations/);
    // The model is untouched and trains at a batch that fits.
    const trainer = nl.createTrainer(model, data.train, { batchSize: 8, evalBatchSize: 8, seed: 1 });
    expect(Number.isFinite(trainer.step().loss)).toBe(true);
    trainer.dispose();
    model.dispose();
    expect(e.message).toMatch(/choose a smaller batch size or a smaller preset$/);
  });

  test('vgg16 at batch 1024 is refused, and at batch 16 it is not', () => {
    const model = nl.createModel({ preset: 'vgg16', norm: 'batch' });
    refused(() => nl.createTrainer(model, data.train, { batchSize: 1024 }),
      /^training preset vgg16 \(norm batch\) at batch 1024 needs about 1\.\d+ GB/);
    const small = model.estimateMemory({ batchSize: 16, evalBatchSize: 16 });
    expect(small.fits).toBe(true);
    const trainer = nl.createTrainer(model, data.train, { batchSize: 16, evalBatchSize: 16 });
    trainer.dispose();
    model.dispose();
  });

  test('a huge forward pass, evaluation or layer input is refused the same way', () => {
    const model = nl.createModel({ preset: 'baseline', norm: 'batch' });
    refused(() => model.forward(new Float32Array(65536 * 784), 65536),
      /^Model\.forward: a forward pass of preset baseline \(norm batch\) at batch 65536/);
    model.dispose();
    const vgg16 = nl.createModel({ preset: 'vgg16', norm: 'batch' });
    const trainer = nl.createTrainer(vgg16, data.train, { batchSize: 8, evalBatchSize: 8 });
    refused(() => trainer.evaluate(data.test, { batchSize: 2000 }),
      /^evaluate: a forward pass of preset vgg16 \(norm batch\) at batch 2000/);
    trainer.dispose();
    vgg16.dispose();
    const conv = new nl.Conv2D(1, 512, 3);
    refused(() => conv.forward(new Float32Array(16384 * 784), [16384, 1, 28, 28]), /^conv2d\.forward of shape \(16384,1,28,28\)/);
    conv.dispose();
  });

  test('estimateMemory gives the cost of a preset before it is built, part by part', () => {
    const e = nl.estimateMemory({ preset: 'vgg16', norm: 'batch', batchSize: 1024 });
    const parts = ['parameters', 'gradients', 'optimizerState', 'activations', 'caches', 'workspaces', 'batches', 'probes'];
    expect(parts.reduce((s, k) => s + e[k], 0)).toBe(e.total);
    expect(e.fits).toBe(false);
    expect(e.total).toBeGreaterThan(2 * GB);
    expect(e.optimizerState).toBe(e.gradients);  // SGD with momentum: one buffer per parameter
    const adam = nl.estimateMemory({ preset: 'tiny', optimizer: 'adam' });
    expect(adam.optimizerState).toBe(2 * adam.gradients);
    const tiny = nl.estimateMemory({ preset: 'tiny', batchSize: 64, evalBatchSize: 64 });
    expect(tiny.fits).toBe(true);
    // 5.9 MB; memory_estimate_test checks such estimates against the native heap.
    expect(tiny.total).toBeGreaterThan(4 * 2 ** 20);
    expect(tiny.total).toBeLessThan(8 * 2 ** 20);
    // The same numbers from a built model, which adds nothing for its own parameters.
    const model = nl.createModel({ preset: 'tiny' });
    const m = model.estimateMemory({ batchSize: 64, evalBatchSize: 64 });
    expect(m.total).toBe(tiny.total);
    model.dispose();
    expect(() => nl.estimateMemory({ preset: 'tiny', batchsize: 64 })).toThrow(/unknown option "batchsize"/);
  });
});
