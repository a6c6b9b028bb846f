#!/usr/bin/env node
// Soak test of the wasm engine: a long training run keeps its heap flat after warm-up, and
// a million thrown-and-caught errors leave the engine computing bit-identical results.
//   node scripts/soak.mjs          100,000 steps of tiny and 10^6 errors (a few minutes)
//   node scripts/soak.mjs --ci     10,000 steps and 10^5 errors (under a minute)
//   --scalar                       the scalar build instead of SIMD128
// Prints the heap figures and exits 1 when a check fails. tests/js/robustness.test.js runs
// the same functions with the --ci sizes as part of the test suite.
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../wasm/index.js';

export const FULL = { steps: 100_000, errors: 1_000_000 };
export const CI = { steps: 10_000, errors: 100_000 };
const WARMUP = 1_000;

// The heap as the engine sees it: the wasm memory's size (it only grows) and the bytes in
// use inside it (what the allocator has handed out, static data and stack included).
export function heap(nl) {
  const m = nl.memory();
  // availableBytes also leaves out a reserve of 1/16 of the limit (wasm/bindings.cpp), which
  // is not in use.
  return { heapBytes: m.heapBytes, inUseBytes: m.limitBytes - m.availableBytes - m.limitBytes / 16 };
}

// A fixed computation whose every bit must survive whatever ran before it: a conv and a
// BatchNorm forward, and the losses of five training steps from a fixed seed.
export function canary(nl, train) {
  const conv = new nl.Conv2D(1, 2, 3, { padding: 1, seed: 7 });
  const bn = new nl.BatchNorm2D(2);
  const x = new Float32Array(2 * 25).map((_, i) => Math.sin(i));
  const y = Array.from(bn.forward(conv.forward(x, [2, 1, 5, 5]), [2, 2, 5, 5]));
  conv.dispose();
  bn.dispose();
  const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 2 });
  const trainer = nl.createTrainer(model, train, { seed: 2, batchSize: 32 });
  const losses = trainer.steps(5).map((r) => r.loss);
  trainer.dispose();
  model.dispose();
  return [...y, ...losses];
}

// In-use bytes may grow by this much after warm-up: the trainer appends one 24-byte record
// per finished epoch (125 of them in the full run). A leak of a byte per step would show
// as 99 KB over the full run, 9 KB over the short one.
export const RECORD_ALLOWANCE = 8 * 1024;

// Trains tiny (BatchNorm, batch 8, probes every 50 steps kept in a ring of 16, an
// evaluation every 5,000 steps) for `steps` steps; the first 1,000 (which fill the probe
// ring) and the first evaluation are the warm-up. Returns the heap after warm-up and every
// `every` steps after it; flat: the wasm memory never grew and the bytes in use grew by at
// most RECORD_ALLOWANCE.
export function soakTraining(nl, { train, test }, { steps, every = 1_000, onSample } = {}) {
  const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
  const trainer = nl.createTrainer(model, train, { seed: 1, batchSize: 8, probeEvery: 50, probeCapacity: 16 });
  try {
    trainer.steps(WARMUP);
    trainer.evaluate(test);
    trainer.probes();
    const warm = heap(nl);
    const samples = [];
    for (let done = WARMUP; done < steps; ) {
      const n = Math.min(every, steps - done);
      trainer.steps(n);
      done += n;
      if (done % 5_000 === 0) trainer.evaluate(test);
      const sample = { step: done, ...heap(nl) };
      samples.push(sample);
      onSample?.(sample);
    }
    const final = heap(nl);
    const flat = samples.every((s) => s.heapBytes === warm.heapBytes && s.inUseBytes - warm.inUseBytes <= RECORD_ALLOWANCE);
    return { steps: trainer.state.step, warm, final, samples, flat };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

// Throws and catches `count` errors from inside the engine, cycling through several doors
// (a layer's shape check, an unknown preset, a corrupt model file, a model input of the
// wrong length, a truncated checkpoint). Each must be an Error naming its problem.
export function soakErrors(nl, { train }, { count }) {
  const bn = new nl.BatchNorm2D(4);
  const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
  const trainer = nl.createTrainer(model, train, { seed: 1, batchSize: 8 });
  trainer.steps(2);
  const checkpoint = trainer.save().subarray(0, 1000);
  const garbage = new Uint8Array(64).fill(7);
  const short = new Float32Array(10);
  const doors = [
    [() => bn.forward(short, [1, 5, 1, 2]), /5 channels, expected 4/],
    [() => nl.createModel({ preset: 'resnet9000' }), /unknown preset 'resnet9000'/],
    [() => nl.loadModel(garbage), /bad magic/],
    [() => model.forward(short, 1), /input has 10 values, expected 784/],
    [() => nl.resumeTrainer(checkpoint, train), /checkpoint: truncated/],
  ];
  const knock = ([action, pattern]) => {
    try {
      action();
    } catch (e) {
      return e instanceof Error && pattern.test(e.message);
    }
    return false;
  };
  try {
    // One round first: a door's first error may allocate once (a type's runtime info, a
    // static message buffer); a leak is what grows with the count.
    doors.forEach(knock);
    const before = heap(nl);
    let thrown = 0;
    for (let i = 0; i < count; ++i) if (knock(doors[i % doors.length])) ++thrown;
    return { count, thrown, before, after: heap(nl) };
  } finally {
    trainer.dispose();
    model.dispose();
    bn.dispose();
  }
}

async function main(args) {
  const ci = args.includes('--ci');
  const sizes = ci ? CI : FULL;
  const nl = await loadEngine({ simd: !args.includes('--scalar') });
  const data = await nl.datasets.mnist();
  const mb = (b) => `${(b / 2 ** 20).toFixed(2)} MB`;
  const failures = [];
  console.log(`soak (${ci ? 'ci' : 'full'}, ${nl.simd ? 'SIMD128' : 'scalar'} build): ${sizes.steps} steps, ${sizes.errors} errors`);

  const reference = canary(nl, data.train);
  const start = Date.now();
  const t = soakTraining(nl, data, {
    steps: sizes.steps,
    every: 1_000,
    onSample: (s) => {
      if (s.step % 10_000 === 0) console.log(`  step ${s.step}: heap ${mb(s.heapBytes)}, in use ${mb(s.inUseBytes)}`);
    },
  });
  console.log(`training: ${t.steps} steps in ${((Date.now() - start) / 1000).toFixed(0)} s; after warm-up heap ${mb(t.warm.heapBytes)}, ` +
    `in use ${mb(t.warm.inUseBytes)} (${t.warm.inUseBytes} B); at the end heap ${mb(t.final.heapBytes)}, in use ${mb(t.final.inUseBytes)} (${t.final.inUseBytes} B)`);
  if (t.steps !== sizes.steps) failures.push(`trained ${t.steps} steps, expected ${sizes.steps}`);
  if (!t.flat) failures.push(`heap use grew after warm-up by more than the ${RECORD_ALLOWANCE} B allowed for epoch records`);

  const e = soakErrors(nl, data, { count: sizes.errors });
  console.log(`errors: ${e.thrown} of ${e.count} thrown and caught with the expected message; in use ${e.before.inUseBytes} B before, ${e.after.inUseBytes} B after`);
  if (e.thrown !== e.count) failures.push(`${e.count - e.thrown} errors were missing or had the wrong message`);
  if (e.after.inUseBytes !== e.before.inUseBytes) failures.push('the errors leaked heap memory');

  const after = canary(nl, data.train);
  const same = after.length === reference.length && after.every((v, i) => Object.is(v, reference[i]));
  console.log(`canary: ${same ? 'bit-identical' : 'CHANGED'} before and after (${reference.length} values)`);
  if (!same) failures.push('the canary computation changed');

  for (const f of failures) console.error(`soak: FAILED: ${f}`);
  console.log(failures.length ? 'soak: FAILED' : 'soak: passed');
  return failures.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
