// web/experiments.js and the URL's experiment=: every experiment can be named in a link, its
// settings are valid, and keys given in the link win over the experiment's.
import { describe, expect, test } from 'vitest';
import { EXPERIMENTS, experimentRefs, findExperiment, GROUP_NORM_TABLE_2 } from '../../../web/experiments.js';
import { validateConfig } from '../../../web/protocol.js';
import { parseField, parseHash, resolveHash, serializeState } from '../../../web/state.js';

describe('the experiment catalog', () => {
  test('six experiments, each with buttons whose settings the URL state accepts', () => {
    expect(EXPERIMENTS.map((e) => e.id)).toEqual(['no-bn-vgg', 'bn-vs-ln-small-batch', 'running-stats', 'batch-sweep', 'ioffe-szegedy', 'train-vs-eval']);
    for (const e of EXPERIMENTS) {
      for (const v of e.variants) {
        for (const [key, value] of Object.entries(v.settings)) {
          const raw = Array.isArray(value) ? value.join(',') : String(value);
          expect(parseField(key, raw), `${e.id}/${v.id} ${key}`).toEqual({ value });
        }
        const s = v.settings;
        expect(validateConfig({ preset: s.preset, norm: s.norms[0], seed: s.seed, batchSize: s.batch, optimizer: s.optimizer, lr: s.lr, momentum: s.momentum, bnMomentum: s.bnMomentum })).toBeNull();
      }
    }
  });

  test('references name an experiment and, after a slash, one of its variants', () => {
    expect(findExperiment('bn-vs-ln-small-batch').variant.id).toBe('conv');
    expect(findExperiment('bn-vs-ln-small-batch/dense').variant.settings.preset).toBe('mlp');
    expect(findExperiment('no-bn-vgg/vgg16').variant.settings).toMatchObject({ preset: 'vgg16', batch: 8 });
    for (const bad of ['nope', 'bn-vs-ln-small-batch/nope', 'batch-sweep/tiny/x', '']) expect(findExperiment(bad), bad).toBeNull();
    expect(experimentRefs()).toContain('batch-sweep/mlp');
  });

  test('the GroupNorm paper’s Table 2 has a value for every batch size', () => {
    for (const row of GROUP_NORM_TABLE_2.rows) expect(row.error).toHaveLength(GROUP_NORM_TABLE_2.batches.length);
  });
});

describe('experiment= in the URL', () => {
  test('loads the experiment’s settings, and keys given in the hash win', () => {
    const { state, problems } = resolveHash('#experiment=bn-vs-ln-small-batch/dense&seed=5');
    expect(problems).toEqual([]);
    expect(state).toMatchObject({ experiment: 'bn-vs-ln-small-batch/dense', preset: 'mlp', batch: 2, optimizer: 'adam', seed: 5 });
    // A serialized state names every key, so it reloads to the same state.
    expect(resolveHash(`#${serializeState(state)}`).state).toEqual(state);
  });

  test('an unknown experiment is refused and the defaults kept', () => {
    const { state, problems } = parseHash('#experiment=magic');
    expect(state.experiment).toBe('');
    expect(problems[0].message).toMatch(/experiment=magic must be one of no-bn-vgg, no-bn-vgg\/vgg16, bn-vs-ln-small-batch/);
  });
});
