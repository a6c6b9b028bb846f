// Training throughput of the wasm builds in Node: samples/s of `tiny` and `baseline` at
// batch 64, SIMD128 versus scalar, measured side by side in one run (medians of several
// repetitions after a warm-up step). Prints a table; asserts nothing.
// Time is the process's CPU time (the wasm runs on this thread, the others idle): on a
// shared machine, wall time also counts the slices other processes take. --wall uses it.
//
// Usage: node bench/node_train.mjs [--quick] [--simd-only] [--wall] [--json] [--pkg DIR]...
//   --pkg DIR     a folder holding the npm module's JS face (index.js, loader.js, ...) and
//                 its dist/; default: this repository's wasm/. Given twice or more, every
//                 package is measured in the same run, repetitions interleaved, and each
//                 column after the first gets its ratio to the first (a before/after pair).
//   --simd-only   skip the scalar build.
//   --json        also print one machine-readable line starting with "JSON ".
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const simdOnly = args.includes('--simd-only');
const json = args.includes('--json');
const wall = args.includes('--wall');
// Seconds on the benchmark's clock.
const clock = wall
  ? () => performance.now() / 1000
  : () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
const pkgDirs = args.flatMap((a, i) => (a === '--pkg' ? [args[i + 1]] : []));
if (pkgDirs.some((d) => !d)) throw new Error('node_train: --pkg needs a folder');
if (pkgDirs.length === 0) pkgDirs.push(fileURLToPath(new URL('../wasm', import.meta.url)));

const nets = [
  { preset: 'tiny', steps: quick ? 10 : 40 },
  { preset: 'baseline', steps: quick ? 1 : 3 },
];
const norms = ['batch', 'layer-sample'];
const reps = quick ? 3 : 5;
const batch = 64;
const builds = simdOnly ? ['simd'] : ['simd', 'scalar'];
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

// One engine per (package, build), each with its own copy of the dataset.
const columns = [];
for (const [p, dir] of pkgDirs.entries()) {
  const { loadEngine } = await import(pathToFileURL(path.resolve(dir, 'index.js')).href);
  for (const build of builds) {
    const nl = await loadEngine({ simd: build === 'simd' });
    columns.push({ label: pkgDirs.length > 1 ? `${build}#${p}` : build, build, pkg: p, nl, data: await nl.datasets.mnist() });
  }
}

console.log(`normlab wasm training throughput in Node ${process.version} (batch ${batch}, SGD momentum, 1 thread, ${wall ? 'wall' : 'CPU'} time)`);
pkgDirs.forEach((d, p) => pkgDirs.length > 1 && console.log(`#${p}: ${path.relative(process.cwd(), path.resolve(d)) || '.'}`));
const header = ['preset    ', 'norm          ', ...columns.map((c) => `${c.label} samples/s`.padStart(18))];
const ratioCols = columns.filter((c) => c.pkg > 0);
header.push(...ratioCols.map((c) => `${c.label}/#0`.padStart(11)));
if (!simdOnly && pkgDirs.length === 1) header.push('SIMD/scalar');
header.push('SIMD GFLOP/s', 'spread');
console.log(header.join(' '));

const results = [];
for (const { preset, steps } of nets) {
  for (const norm of norms) {
    const runs = columns.map((c) => {
      const model = c.nl.createModel({ preset, norm, seed: 1 });
      const trainer = c.nl.createTrainer(model, c.data.train, { batchSize: batch, seed: 1, lr: 0.01 });
      trainer.step();  // warm-up: workspaces, first touch of buffers
      return { c, model, trainer, rates: [], flops: model.info.trainingFlops };
    });
    // Interleaved repetitions: a slow phase of the shared machine hits every column alike.
    for (let r = 0; r < reps; ++r) {
      for (const run of runs) {
        const t0 = clock();
        run.trainer.steps(steps);
        run.rates.push((steps * batch) / (clock() - t0));
      }
    }
    for (const run of runs) {
      run.trainer.dispose();
      run.model.dispose();
    }
    const rate = runs.map((run) => median(run.rates));
    const spread = Math.max(...runs.map((run) => (Math.max(...run.rates) - Math.min(...run.rates)) / median(run.rates)));
    const row = [preset.padEnd(10), norm.padEnd(14), ...rate.map((v) => v.toFixed(0).padStart(18))];
    for (const c of ratioCols) {
      const base = columns.findIndex((o) => o.pkg === 0 && o.build === c.build);
      row.push((rate[columns.indexOf(c)] / rate[base]).toFixed(2).padStart(11));
    }
    if (!simdOnly && pkgDirs.length === 1) row.push((rate[0] / rate[1]).toFixed(2).padStart(11));
    row.push(((rate[0] * runs[0].flops) / 1e9).toFixed(2).padStart(12), `${(100 * spread).toFixed(0)}%`.padStart(6));
    console.log(row.join(' '));
    results.push({ preset, norm, clock: wall ? 'wall' : 'cpu', flopsPerSample: runs[0].flops, samplesPerSecond: Object.fromEntries(columns.map((c, i) => [c.label, rate[i]])) });
  }
}
console.log('spread: (max − min) / median of the repetitions, the worst column');
if (json) console.log(`JSON ${JSON.stringify({ batch, results })}`);
