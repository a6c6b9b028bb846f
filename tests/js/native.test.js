// The wasm builds against the native builds, same preset, seed and data: the scalar
// builds are the same IEEE float arithmetic and must agree bitwise; the SIMD builds differ
// (native AVX2 fuses multiply-adds and sums 8 lanes, wasm SIMD128 has no FMA and 4 lanes),
// so they agree closely at first and then drift as training amplifies rounding.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { engine } from './engine.js';

const tool = (variant) => new URL(`../../build/native/native_losses_${variant}`, import.meta.url).pathname;

async function wasmLosses(simd, steps) {
  const nl = await engine(simd);
  const { train, test } = await nl.datasets.mnist();
  test.dispose();
  const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
  const trainer = nl.createTrainer(model, train, { seed: 1, batchSize: 64, lr: 0.05 });
  const losses = trainer.steps(steps).map((r) => r.loss);
  trainer.dispose();
  model.dispose();
  train.dispose();
  return losses;
}

function nativeLosses(variant, steps) {
  expect(existsSync(tool(variant)), `${tool(variant)} is built by scripts/build.sh native`).toBe(true);
  return JSON.parse(execFileSync(tool(variant), ['tiny', 'batch', '1', '64', String(steps), '0.05'], { encoding: 'utf8' }));
}

describe('wasm against native', () => {
  test('scalar builds give bitwise-identical losses for 20 steps', async () => {
    const wasm = await wasmLosses(false, 20);
    const native = nativeLosses('scalar', 20);
    // native prints %.9g, which round-trips a float32-rounded double only approximately:
    // compare after the same formatting.
    expect(wasm.map((v) => Number(v.toPrecision(9)))).toEqual(native);
  });

  test('SIMD builds agree within 1e-5 for 10 steps and 1e-3 for 20', async () => {
    const wasm = await wasmLosses(true, 20);
    const native = nativeLosses('simd', 20);
    wasm.forEach((v, i) => expect(Math.abs(v - native[i]), `step ${i}`).toBeLessThan(i < 10 ? 1e-5 : 1e-3));
  });
});
