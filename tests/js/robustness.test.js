// Errors and long runs leave the engine intact: 10^5 thrown errors (the 3.1.6 shadow-stack
// leak would corrupt calls long before that) and a flat heap over 10,000 training steps.
import { expect, test } from 'vitest';
import { engine } from './engine.js';

test('10^5 errors later, training gives the same losses as before them', async () => {
  const nl = await engine(true);
  const { train } = await nl.datasets.mnist();
  const losses = () => {
    const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 2 });
    const trainer = nl.createTrainer(model, train, { seed: 2, batchSize: 32 });
    const l = trainer.steps(5).map((r) => r.loss);
    trainer.dispose();
    model.dispose();
    return l;
  };
  const before = losses();
  const bn = new nl.BatchNorm2D(4);
  const x = new Float32Array(10);
  let thrown = 0;
  for (let i = 0; i < 100_000; ++i) {
    try {
      bn.forward(x, [1, 5, 1, 2]); // 5 channels, expected 4: an error from inside the engine
    } catch (e) {
      if (e instanceof RangeError && e.message.includes('expected 4')) ++thrown;
    }
  }
  expect(thrown).toBe(100_000);
  expect(losses()).toEqual(before);
});

test('heap use is flat over 10,000 training steps after warm-up', async () => {
  const nl = await engine(true);
  const { train, test } = await nl.datasets.mnist();
  const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
  const trainer = nl.createTrainer(model, train, { seed: 1, batchSize: 8, probeEvery: 50 });
  trainer.steps(200);
  trainer.evaluate(test);
  const warm = nl.memory().heapBytes;
  for (let i = 0; i < 100; ++i) {
    trainer.steps(100);
    if (i % 10 === 0) trainer.evaluate(test);
  }
  expect(trainer.state.step).toBe(10_200);
  expect(nl.memory().heapBytes).toBe(warm);
});
