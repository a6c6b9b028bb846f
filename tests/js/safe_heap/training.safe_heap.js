// Training, evaluation, probes, divergence and model save/load on the safe-heap build
// (vitest.config.js here), on both its SIMD and scalar modules. Short runs: every memory
// access is checked, so a step costs many times what it costs in the package's build.
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { loadEngine } from '../../../wasm/index.js';
import { maxAbsDiff, randomArray } from '../engine.js';
import { isSafeHeapBuild, loaded } from './safe_loader.js';

for (const simd of [true, false]) {
  describe(`the safe-heap ${simd ? 'SIMD' : 'scalar'} build`, () => {
    test('is what the engine loads', async () => {
      const name = simd ? 'nl_simd' : 'nl_scalar';
      const bytes = await readFile(new URL(`../../../build/wasm-safe/dist/${name}.wasm`, import.meta.url));
      expect(isSafeHeapBuild(bytes)).toBe(true);
      loaded.length = 0;
      const nl = await loadEngine({ simd });
      expect(nl.simd).toBe(simd);
      expect(loaded).toEqual([name]);
    });

    test('trains, evaluates, probes, saves and loads back a model with the same outputs', async () => {
      const nl = await loadEngine({ simd });
      const data = await nl.datasets.mnist();
      const train = data.train.slice(0, 512);
      const test = data.test.slice(0, 200);
      for (const norm of ['batch', 'layer-sample', 'group:2']) {
        const model = nl.createModel({ preset: 'tiny', norm, seed: 1 });
        const trainer = nl.createTrainer(model, train, { batchSize: 16, lr: 0.05, seed: 1, probeEvery: 4 });
        const losses = trainer.steps(8).map((r) => r.loss);
        expect(losses.every(Number.isFinite)).toBe(true);
        const result = trainer.evaluate(test);
        expect(result.confusion.reduce((s, v) => s + v, 0)).toBe(200);
        expect(trainer.probes().map((s) => s.step)).toEqual([0, 4]);
        const again = nl.loadModel(model.save());
        const x = randomArray(3 * 784, 5);
        expect(maxAbsDiff(again.forward(x, 3), model.forward(x, 3))).toBe(0);
        for (const o of [again, trainer, model]) o.dispose();
      }
    });

    test('a diverging run stops with an Error and the engine keeps computing the same results', async () => {
      const nl = await loadEngine({ simd });
      const { train } = await nl.datasets.mnist();
      const losses = () => {
        const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 2 });
        const trainer = nl.createTrainer(model, train, { seed: 2, batchSize: 8 });
        const l = trainer.steps(3).map((r) => r.loss);
        trainer.dispose();
        model.dispose();
        return l;
      };
      const before = losses();
      const model = nl.createModel({ preset: 'tiny', norm: 'none', seed: 1 });
      const trainer = nl.createTrainer(model, train, { lr: 1e4, batchSize: 8, seed: 1 });
      expect(() => trainer.steps(50)).toThrow(/step \d+/);
      trainer.dispose();
      model.dispose();
      expect(losses()).toEqual(before);
    });
  });
}
