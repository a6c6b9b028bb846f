// Training throughput of the wasm builds in Node: samples/s of `tiny` and `baseline` at
// batch 64, SIMD128 versus scalar, measured side by side in one run (medians of several
// repetitions after a warm-up step). Prints a table; asserts nothing.
// Usage: node bench/node_train.mjs [--quick]
import { loadEngine } from '../wasm/index.js';

const quick = process.argv.includes('--quick');
const nets = [
  { preset: 'tiny', steps: quick ? 10 : 40 },
  { preset: 'baseline', steps: quick ? 1 : 3 },
];
const norms = ['batch', 'layer-sample'];
const reps = quick ? 3 : 5;
const batch = 64;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const engines = { simd: await loadEngine({ simd: true }), scalar: await loadEngine({ simd: false }) };
const data = { simd: await engines.simd.datasets.mnist(), scalar: await engines.scalar.datasets.mnist() };

console.log(`normlab wasm training throughput in Node ${process.version} (batch ${batch}, SGD momentum, 1 thread)`);
console.log('preset     norm           SIMD samples/s  scalar samples/s  SIMD/scalar  SIMD GFLOP/s');
for (const { preset, steps } of nets) {
  for (const norm of norms) {
    const rate = {};
    let flops = 0;
    for (const build of ['simd', 'scalar']) {
      const nl = engines[build];
      const model = nl.createModel({ preset, norm, seed: 1 });
      flops = model.info.trainingFlops;
      const trainer = nl.createTrainer(model, data[build].train, { batchSize: batch, seed: 1, lr: 0.01 });
      trainer.step();
      const rates = [];
      for (let r = 0; r < reps; ++r) {
        const t0 = performance.now();
        trainer.steps(steps);
        rates.push((steps * batch) / ((performance.now() - t0) / 1000));
      }
      rate[build] = median(rates);
      trainer.dispose();
      model.dispose();
    }
    console.log(`${preset.padEnd(10)} ${norm.padEnd(14)} ${rate.simd.toFixed(0).padStart(14)} ${rate.scalar.toFixed(0).padStart(17)} ${(rate.simd / rate.scalar).toFixed(2).padStart(12)} ${((rate.simd * flops) / 1e9).toFixed(2).padStart(13)}`);
  }
}
