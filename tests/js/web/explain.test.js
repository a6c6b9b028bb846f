// web/ui/explain.js: the sentences the page shows are built from the runs' numbers.
import { describe, expect, test } from 'vitest';
import { divergenceText, formatFlops, normLabel, smallBatchFindings } from '../../../web/ui/explain.js';

test('norm names read as people say them', () => {
  expect(normLabel('batch')).toBe('BatchNorm');
  expect(normLabel('layer-sample')).toBe('LayerNorm over C×H×W (per sample)');
  expect(normLabel('group:2')).toBe('GroupNorm, 2 groups');
  expect(normLabel('group:1')).toBe('GroupNorm, 1 group');
  expect(formatFlops(1853376)).toBe('1.85 MFLOP');
  expect(formatFlops(2.7657e9)).toBe('2.77 GFLOP');
});

describe('divergence', () => {
  const message = 'training diverged at step 6 (epoch 0, lr 10): the loss is -nan; the first non-finite output is layer 7 (dense)';
  test('without a norm it names the step and blames the learning rate and the missing norm', () => {
    const t = divergenceText({ runName: 'A', norm: 'none', optimizer: 'sgd', lr: 10, message });
    expect(t.title).toMatch(/^Run A stopped at step 6/);
    expect(t.why).toMatch(/learning rate 10 is too high for a network without normalization/);
    expect(t.why).toMatch(/Try 1, or give the run a normalization layer/);
    expect(t.detail).toContain('layer 7 (dense)');
  });
  test('with a norm it still suggests a smaller rate, and warns about Adam-style rates', () => {
    const t = divergenceText({ runName: 'B', norm: 'batch', optimizer: 'adam', lr: 0.5, message });
    expect(t.why).toMatch(/too high, even with BatchNorm\. Try 0\.05\./);
    expect(t.why).toMatch(/above 0\.01 are rarely stable/);
  });
});

describe('small-batch findings', () => {
  const base = { preset: 'tiny', batch: 2, stepsPerEpoch: 4000 };
  test('nothing to say when the runs are not BatchNorm vs LayerNorm', () => {
    expect(smallBatchFindings({ ...base, runs: [{ norm: 'none' }, { norm: 'batch' }] })).toBeNull();
  });
  test('before both runs are evaluated it reports the values per statistic only', () => {
    const lines = smallBatchFindings({
      ...base,
      runs: [
        { norm: 'batch', valuesPerStatistic: 1568, evals: [{ step: 2000, accuracy: 0.9, trainModeAccuracy: 0.9 }] },
        { norm: 'layer-sample', valuesPerStatistic: 6272, evals: [] },
      ],
    });
    expect(lines[0]).toBe('In tiny at batch 2, each statistic of the first BatchNorm layer averages 1,568 values (LayerNorm: 6,272 per sample).');
    expect(lines[1]).toMatch(/once both runs have been evaluated/);
    expect(lines).toHaveLength(2);
  });
  test('it compares the two runs at the latest step both were evaluated at', () => {
    const lines = smallBatchFindings({
      ...base,
      runs: [
        { norm: 'batch', valuesPerStatistic: 2, evals: [{ step: 2000, accuracy: 0.5, trainModeAccuracy: 0.6 }] },
        { norm: 'layer-sample', valuesPerStatistic: 100, evals: [{ step: 2000, accuracy: 0.8 }, { step: 4000, accuracy: 0.85 }] },
      ],
    });
    expect(lines[1]).toBe('After 2,000 steps (0.5 epochs): BatchNorm 50.0% test accuracy in eval mode; 60.0% when it uses the test batch’s own statistics; LayerNorm 80.0%.');
  });
  test.each([
    [0.93, 0.935, /within 0\.5 points of LayerNorm: it still trains/],
    [0.43, 0.81, /38\.0 points behind: at this batch size its statistics are too noisy/],
    [0.88, 0.93, /5\.0 points behind/],
    [0.95, 0.9, /5\.0 points ahead/],
  ])('BatchNorm %f vs LayerNorm %f gives a verdict from the numbers', (bn, ln, verdict) => {
    const lines = smallBatchFindings({
      ...base,
      runs: [
        { norm: 'batch', valuesPerStatistic: 2, evals: [{ step: 4000, accuracy: bn, trainModeAccuracy: null }] },
        { norm: 'layer-sample', valuesPerStatistic: 100, evals: [{ step: 4000, accuracy: ln }] },
      ],
    });
    expect(lines[1]).toBe(`After 4,000 steps (1 epoch): BatchNorm ${(100 * bn).toFixed(1)}% test accuracy in eval mode; LayerNorm ${(100 * ln).toFixed(1)}%.`);
    expect(lines[2]).toMatch(verdict);
  });
});
