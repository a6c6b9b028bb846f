// web/ui/explain.js: the sentences the page shows are built from the runs' numbers.
import { describe, expect, test } from 'vitest';
import {
  divergenceText,
  formatFlops,
  ioffeFindings,
  noNormFindings,
  normLabel,
  populationFindings,
  runningStatsFindings,
  smallBatchFindings,
  sweepFindings,
  trainEvalFindings,
  trainEvalMeasurement,
} from '../../../web/ui/explain.js';

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

describe('BatchNorm vs no normalization findings', () => {
  const base = { preset: 'vgg-mini', batch: 64, stepsPerEpoch: 125 };
  test('nothing to say when the runs are not BatchNorm vs none', () => {
    expect(noNormFindings({ ...base, runs: [{ norm: 'batch' }, { norm: 'layer-sample' }] })).toBeNull();
  });
  test('a run stuck at chance is called so, with its loss compared to ln 10', () => {
    const lines = noNormFindings({
      ...base,
      runs: [
        { norm: 'batch', evals: [{ step: 125, accuracy: 0.946 }] },
        { norm: 'none', loss: 2.3021, status: 'ready', evals: [{ step: 125, accuracy: 0.113 }] },
      ],
    });
    expect(lines[0]).toBe('After 125 steps (1 epoch) of vgg-mini at batch 64: BatchNorm 94.6% test accuracy; no normalization 11.3%.');
    expect(lines[1]).toBe('Without normalization the network has not started to learn: 11.3% is chance level for 10 digits, and its training loss 2.30 is that of a uniform guess over 10 classes (ln 10 ≈ 2.30).');
    expect(lines[2]).toBe('BatchNorm is 83.3 points ahead at this step.');
  });
  test('when the run without a norm keeps up, the text says the textbook gap does not show', () => {
    const lines = noNormFindings({
      ...base,
      runs: [
        { norm: 'none', loss: 0.2, evals: [{ step: 125, accuracy: 0.95 }] },
        { norm: 'batch', evals: [{ step: 125, accuracy: 0.96 }] },
      ],
    });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/within 1\.0 points of BatchNorm\): the textbook gap does not show/);
  });
  test('a diverged run without a norm is reported before any numbers', () => {
    const lines = noNormFindings({ ...base, runs: [{ norm: 'batch', evals: [] }, { norm: 'none', status: 'diverged', evals: [] }] });
    expect(lines[0]).toMatch(/diverged/);
    expect(lines[1]).toMatch(/once both runs have been evaluated/);
  });
});

describe('train mode vs eval mode findings', () => {
  const runs = (accuracy, trainModeAccuracy) => [
    { norm: 'batch', evals: [{ step: 10, accuracy: 0.1, trainModeAccuracy: 0.1 }, { step: 2000, accuracy, trainModeAccuracy }] },
    { norm: 'layer-sample', evals: [{ step: 2000, accuracy: 0.9, trainModeAccuracy: null }] },
  ];
  test('the measurement is the BatchNorm run’s latest evaluation', () => {
    expect(trainEvalMeasurement({ preset: 'mlp', batch: 4, runs: runs(0.8, 0.9) })).toEqual({ preset: 'mlp', batch: 4, step: 2000, accuracy: 0.8, trainModeAccuracy: 0.9 });
    expect(trainEvalMeasurement({ preset: 'mlp', batch: 4, runs: [{ norm: 'layer-sample', evals: [{ step: 1, accuracy: 0.5, trainModeAccuracy: null }] }] })).toBeNull();
    expect(trainEvalFindings({ current: null })).toBeNull();
  });
  test('it states both accuracies and the gap, and compares batch sizes', () => {
    const small = trainEvalMeasurement({ preset: 'mlp', batch: 4, runs: runs(0.8, 0.9) });
    const large = { preset: 'mlp', batch: 64, step: 125, accuracy: 0.95, trainModeAccuracy: 0.953 };
    const lines = trainEvalFindings({ current: small, earlier: [large] });
    expect(lines[0]).toBe('Now: mlp at batch 4, step 2,000: 80.0% in eval mode (running statistics), 90.0% in train mode (statistics of each 500-digit test batch); eval mode is 10.0 points worse.');
    expect(lines[1]).toMatch(/^Earlier on this page: mlp at batch 64, step 125: 95\.0% .*the two modes agree within 1 point\.$/);
    expect(lines[2]).toBe('The gap (train-mode minus eval-mode accuracy) grows as the batch shrinks: 10.0 points at batch 4 against 0.3 at batch 64.');
  });
  test('when the small batch shows no larger gap, the text says so', () => {
    const small = { preset: 'mlp', batch: 4, step: 2000, accuracy: 0.9, trainModeAccuracy: 0.9 };
    const large = { preset: 'mlp', batch: 64, step: 125, accuracy: 0.9, trainModeAccuracy: 0.92 };
    const lines = trainEvalFindings({ current: large, earlier: [small] });
    expect(lines[2]).toBe('The gap (train-mode minus eval-mode accuracy) does not grow as the batch shrinks here: 0.0 points at batch 4 against 2.0 at batch 64.');
  });
});

describe('running statistics findings', () => {
  const probe = (runningMean, runningVar, valuesPerStatistic = 50176, step = 100) => ({
    step,
    name: 'bn1',
    valuesPerStatistic,
    runningMean: Float32Array.from(runningMean),
    runningVar: Float32Array.from(runningVar),
    batchMean: Float32Array.from([1, -1]),
    batchVar: Float32Array.from([4, 4]),
  });
  test('nothing to say without a BatchNorm probe', () => {
    expect(runningStatsFindings({ bnMomentum: 0.1, probe: null })).toBeNull();
  });
  test('converged statistics: distance in batch standard deviations, momentum half-life, negligible correction', () => {
    const lines = runningStatsFindings({ bnMomentum: 0.1, probe: probe([1.1, -1.1], [4, 6]) });
    // mean |diff| = 0.1, batch std = 2 → 0.05 standard deviations; variance ratios 1 and 1.5 → median 1.25.
    expect(lines[0]).toBe('At step 100, layer bn1 (2 channels): the running means differ from this batch’s means by 0.10 on average, 0.05 of the batch’s standard deviation; the running variances are 1.25× the batch’s (median over channels).');
    // ln 0.5 / ln 0.9 = 6.58; 0.9^100 = 2.7e-5.
    expect(lines[1]).toBe('With momentum 0.1, a batch’s weight in the running average halves every 6.6 steps; after 100 steps the starting values (mean 0, variance 1) keep a weight of less than 0.0001.');
    expect(lines[2]).toMatch(/by 50,176\/50,175 = 1\.00002 before it enters the running variance: a negligible change here\.$/);
    expect(lines[3]).toMatch(/have caught up/);
  });
  test('few values per statistic: the correction is large; far-off statistics are still converging', () => {
    const lines = runningStatsFindings({ bnMomentum: 0.1, probe: probe([0, 0], [1, 1], 2, 5) });
    expect(lines[1]).toMatch(/after 5 steps the starting values \(mean 0, variance 1\) keep a weight of 0\.59\.$/);
    expect(lines[2]).toMatch(/by 2\/1 = 2 before .*: a large change/);
    const mid = runningStatsFindings({ bnMomentum: 0.1, probe: probe([0, 0], [1, 1], 64, 5) });
    expect(mid[2]).toMatch(/by 64\/63 = 1\.01587 before it enters the running variance, 1\.6% more\.$/);
    expect(lines[3]).toMatch(/still 0\.50 standard deviations from the batch’s/);
  });
});

describe('running statistics against the true ones', () => {
  const run = (running) => ({
    norm: 'batch',
    evals: [{ step: 63, population: { samples: 1984, layers: [{ name: '1', mean: Float32Array.of(0, 1), var: Float32Array.of(1, 4) }] }, running }],
  });
  test('the gap is measured in standard deviations of the true values', () => {
    const lines = populationFindings({ runs: [run({ name: '1', mean: Float32Array.of(0.5, 1), var: Float32Array.of(2, 4) })] });
    // |0.5 − 0|/1 and |1 − 1|/2: 0.25 on average; variance ratios 2 and 1: median 1.5.
    expect(lines[0]).toMatch(/at step 63 \(batch statistics averaged over 1,984 training digits/);
    expect(lines[0]).toMatch(/off by 0\.25 standard deviations on average, and the running variances are 1\.50× the true ones/);
    expect(lines[1]).toMatch(/lag behind/);
    const close = populationFindings({ runs: [run({ name: '1', mean: Float32Array.of(0.01, 1.02), var: Float32Array.of(1, 4) })] });
    expect(close[1]).toMatch(/close to what training sees/);
  });
  test('nothing to say without an evaluation that has both', () => {
    expect(populationFindings({ runs: [{ norm: 'layer-sample', evals: [{ step: 1 }] }] })).toBeNull();
  });
});

describe('batch-size sweep findings', () => {
  const result = (batch, norm, error, valuesPerStatistic = 1) => ({ batch, norm, error, valuesPerStatistic });
  test('a BatchNorm collapse at small batches is reported as the paper’s result', () => {
    const lines = sweepFindings({
      preset: 'mlp',
      norms: ['batch', 'layer-sample'],
      running: null,
      results: [result(64, 'batch', 0.1), result(64, 'layer-sample', 0.12), result(2, 'batch', 0.38, 2), result(2, 'layer-sample', 0.12)],
    });
    expect(lines[0]).toBe('mlp at batch 64: BatchNorm 10.0%, LayerNorm over C×H×W (per sample) 12.0% test error after one epoch.');
    expect(lines.at(-1)).toMatch(/grows by 28\.0 points from batch 64 to 2, the per-sample norms’ by at most 0\.0: the paper’s result shows here\. At batch 2 each BatchNorm statistic of the first layer averages 2 values/);
  });
  test('no collapse is said plainly, with the count of values per statistic', () => {
    const lines = sweepFindings({
      preset: 'tiny',
      norms: ['batch', 'group:2'],
      running: { batch: 4 },
      results: [result(64, 'batch', 0.046), result(64, 'group:2', 0.054), result(8, 'batch', 0.031, 6272), result(8, 'group:2', 0.034)],
    });
    expect(lines).toContain('Training batch 4 now…');
    expect(lines.at(-1)).toMatch(/changes by -1\.5 points .* the collapse the paper shows does not happen here\. At batch 8 each BatchNorm statistic of the first layer averages 6,272 values/);
  });
  test('nothing before the first result', () => {
    expect(sweepFindings({ preset: 'tiny', norms: ['batch'], results: [], running: { batch: 64 } })).toBeNull();
    expect(sweepFindings(null)).toBeNull();
  });
});

describe('Ioffe & Szegedy findings', () => {
  const runs = [
    { norm: 'batch', evals: [{ step: 134, accuracy: 0.95 }] },
    { norm: 'none', evals: [{ step: 134, accuracy: 0.9 }] },
  ];
  const units = [
    { layer: '8', points: [{ step: 0, p15: -1, p50: 0, p85: 1 }, { step: 100, p15: -1.1, p50: 0.05, p85: 1.05 }] },
    { layer: '7', points: [{ step: 0, p15: -0.5, p50: 0, p85: 0.5 }, { step: 100, p15: -4, p50: -1.5, p85: 2 }] },
  ];
  test('compares accuracy and the drift of one unit’s input, from the numbers given', () => {
    const lines = ioffeFindings({ preset: 'mlp', stepsPerEpoch: 134, runs, units });
    expect(lines[0]).toMatch(/After 134 steps \(1 epoch\): test accuracy 95\.0% with BatchNorm, 90\.0% without; BatchNorm is 5\.0 points ahead, as in the paper/);
    expect(lines[1]).toMatch(/Without BatchNorm, the input of unit 0 of layer 7: median 0\.00 at step 0, -1\.50 at step 100; the 15–85% range 1\.00 wide at first, 6\.00 now/);
    expect(lines[2]).toMatch(/With BatchNorm, .* layer 8: .* 2\.00 wide at first, 2\.15 now/);
  });
  test('only for mlp with and without BatchNorm', () => {
    expect(ioffeFindings({ preset: 'tiny', runs, units })).toBeNull();
    expect(ioffeFindings({ preset: 'mlp', runs: [runs[0]], units })).toBeNull();
  });
});
