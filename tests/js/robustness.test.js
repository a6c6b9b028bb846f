// The short soak (scripts/soak.mjs --ci, same functions): 10^5 thrown-and-caught errors
// through several doors leak nothing and leave a canary computation bit-identical, and
// 10,000 training steps keep the heap flat after warm-up. The 3.1.6 shadow-stack leak
// would corrupt calls long before 10^5 errors.
import { beforeAll, expect, test } from 'vitest';
import { canary, CI, RECORD_ALLOWANCE, soakErrors, soakTraining } from '../../scripts/soak.mjs';
import { engine } from './engine.js';

let nl, data;
beforeAll(async () => {
  nl = await engine(true);
  data = await nl.datasets.mnist();
});

test('10^5 errors later, the engine computes bit-identical results and has leaked nothing', () => {
  const before = canary(nl, data.train);
  const e = soakErrors(nl, data, { count: CI.errors });
  expect(e.thrown).toBe(CI.errors);
  expect(e.after.inUseBytes).toBe(e.before.inUseBytes);
  expect(e.after.heapBytes).toBe(e.before.heapBytes);
  const after = canary(nl, data.train);
  expect(after.length).toBe(105);
  after.forEach((v, i) => expect(Object.is(v, before[i]), `value ${i}`).toBe(true));
});

test('heap use is flat over 10,000 training steps after warm-up', () => {
  const t = soakTraining(nl, data, { steps: CI.steps });
  expect(t.steps).toBe(CI.steps);
  expect(t.samples.length).toBe(9);
  for (const s of t.samples) {
    expect(s.heapBytes, `heap at step ${s.step}`).toBe(t.warm.heapBytes);
    expect(s.inUseBytes - t.warm.inUseBytes, `in use at step ${s.step}`).toBeLessThanOrEqual(RECORD_ALLOWANCE);
  }
  expect(t.flat).toBe(true);
});
