// web/ui/sweep.js: the batch-size sweep visits each batch size once, largest first, with the
// learning rate scaled to the batch, and keeps every run's final error.
import { expect, test } from 'vitest';
import { BatchSweep, sweepSettings } from '../../../web/ui/sweep.js';

const settings = { preset: 'tiny', norms: ['batch', 'layer-sample'], batch: 64, lr: 0.05, epochs: 3, seed: 1 };

test('each point is one epoch at its batch size, with lr · B/64', () => {
  expect(sweepSettings(settings, 16)).toMatchObject({ batch: 16, lr: 0.0125, epochs: 1, preset: 'tiny', seed: 1 });
  expect(sweepSettings(settings, 2).lr).toBeCloseTo(0.0015625, 12);
});

test('the sweep walks the batch sizes in order and records errors; failed runs record none', () => {
  const sweep = new BatchSweep(settings, [8, 2]);
  expect(sweep.current.batch).toBe(8);
  expect(sweep.view().running).toEqual({ batch: 8 });
  sweep.record([
    { norm: 'batch', status: 'ready', accuracy: 0.95, valuesPerStatistic: 6272 },
    { norm: 'layer-sample', status: 'ready', accuracy: 0.9, valuesPerStatistic: 6272 },
  ]);
  expect(sweep.current.batch).toBe(2);
  sweep.record([
    { norm: 'batch', status: 'diverged', accuracy: 0.1, valuesPerStatistic: 1568 },
    { norm: 'layer-sample', status: 'ready', accuracy: 0.8, valuesPerStatistic: 6272 },
  ]);
  expect(sweep.done).toBe(true);
  expect(sweep.current).toBeNull();
  const view = sweep.view();
  expect(view.running).toBeNull();
  expect(view.results.map((r) => [r.batch, r.norm, +r.error.toFixed(4)])).toEqual([
    [8, 'batch', 0.05],
    [8, 'layer-sample', 0.1],
    [2, 'layer-sample', 0.2],
  ]);
  expect(sweep.results.find((r) => r.status === 'diverged').error).toBeNull();
});
