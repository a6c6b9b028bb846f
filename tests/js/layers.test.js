import { describe, expect, test } from 'vitest';
import { engine, maxAbsDiff, randomArray } from './engine.js';

// Per-channel batch normalization of (n,c,h,w) in double: the formula, written out.
function batchNormReference(x, [n, c, h, w], eps) {
  const y = new Float64Array(x.length), plane = h * w, count = n * plane;
  const mean = [], varUnbiased = [];
  for (let ch = 0; ch < c; ++ch) {
    let s = 0, ss = 0;
    for (let i = 0; i < n; ++i) for (let p = 0; p < plane; ++p) s += x[(i * c + ch) * plane + p];
    const m = s / count;
    for (let i = 0; i < n; ++i) for (let p = 0; p < plane; ++p) ss += (x[(i * c + ch) * plane + p] - m) ** 2;
    const v = ss / count;
    for (let i = 0; i < n; ++i) for (let p = 0; p < plane; ++p) {
      const k = (i * c + ch) * plane + p;
      y[k] = (x[k] - m) / Math.sqrt(v + eps);
    }
    mean.push(m);
    varUnbiased.push(ss / (count - 1));
  }
  return { y, mean, varUnbiased };
}

for (const simd of [true, false]) {
  describe(`layers (${simd ? 'SIMD' : 'scalar'} build)`, () => {
    test('BatchNorm2D normalizes with batch statistics and updates running stats like PyTorch', async () => {
      const nl = await engine(simd);
      const shape = [4, 3, 5, 5];
      const x = randomArray(300, 3);
      const bn = new nl.BatchNorm2D(3, { momentum: 0.1 });
      const y = bn.forward(x, shape, { training: true });
      const ref = batchNormReference(x, shape, 1e-5);
      expect(maxAbsDiff(y, ref.y)).toBeLessThan(1e-5);
      const rm = bn.runningMean, rv = bn.runningVar;
      for (let c = 0; c < 3; ++c) {
        expect(rm[c]).toBeCloseTo(0.1 * ref.mean[c], 6);
        expect(rv[c]).toBeCloseTo(0.9 + 0.1 * ref.varUnbiased[c], 6);
      }
      bn.dispose();
    });

    test('BatchNorm2D eval backward is the affine map of the running statistics', async () => {
      const nl = await engine(simd);
      const bn = new nl.BatchNorm2D(2);
      bn.setParameters({ gamma: new Float32Array([2, -1]), beta: new Float32Array([0.5, 0]) });
      const x = randomArray(2 * 2 * 3 * 3, 9);
      bn.forward(x, [2, 2, 3, 3], { training: true });
      const rv = bn.runningVar;
      bn.forward(x, [2, 2, 3, 3], { training: false });
      const dy = randomArray(x.length, 10);
      const dx = bn.backward(dy);
      for (let i = 0; i < x.length; ++i) {
        const c = Math.floor(i / 9) % 2;
        const scale = (c === 0 ? 2 : -1) / Math.sqrt(rv[c] + 1e-5);
        expect(dx[i]).toBeCloseTo(dy[i] * scale, 5);
      }
      bn.dispose();
    });

    test('parameter gradients accumulate until zeroGrad', async () => {
      const nl = await engine(simd);
      const conv = new nl.Conv2D(2, 3, 3, { padding: 1, seed: 4 });
      const x = randomArray(2 * 2 * 6 * 6, 1);
      const y = conv.forward(x, [2, 2, 6, 6]);
      expect(conv.outputShape([2, 2, 6, 6])).toEqual([2, 3, 6, 6]);
      const dy = randomArray(y.length, 2);
      conv.backward(dy);
      const once = conv.getGradients().weight;
      conv.backward(dy);
      const twice = conv.getGradients().weight;
      expect(maxAbsDiff(twice, once.map((v) => 2 * v))).toBeLessThan(1e-4);
      conv.zeroGrad();
      expect(conv.getGradients().weight.every((v) => v === 0)).toBe(true);
      conv.dispose();
    });

    test('LayerNorm2D over channels normalizes every pixel across C', async () => {
      const nl = await engine(simd);
      const ln = new nl.LayerNorm2D(4, { over: 'channels', eps: 1e-6 });
      const x = randomArray(2 * 4 * 3 * 3, 5);
      const y = ln.forward(x, [2, 4, 3, 3]);
      for (let n = 0; n < 2; ++n)
        for (let p = 0; p < 9; ++p) {
          let s = 0, ss = 0;
          for (let c = 0; c < 4; ++c) s += y[(n * 4 + c) * 9 + p];
          for (let c = 0; c < 4; ++c) ss += y[(n * 4 + c) * 9 + p] ** 2;
          expect(Math.abs(s / 4)).toBeLessThan(1e-5);
          expect(ss / 4).toBeCloseTo(1, 3);
        }
      ln.dispose();
    });

    test('a disposed layer refuses further calls', async () => {
      const nl = await engine(simd);
      const relu = new nl.ReLU();
      expect(Array.from(relu.forward(new Float32Array([-1, 2]), [1, 2]))).toEqual([0, 2]);
      relu.dispose();
      expect(relu.disposed).toBe(true);
      expect(() => relu.forward(new Float32Array([1]), [1, 1])).toThrow(/disposed/);
    });
  });
}
