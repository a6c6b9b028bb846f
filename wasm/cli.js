#!/usr/bin/env node
// normlab's command-line trainer: train, compare norms, sweep batch sizes, evaluate.
// Runs the same wasm engine as the page (SIMD build when supported).
import { access, constants, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEngine } from './index.js';

const COMMON = {
  preset: { type: 'string', default: 'tiny' },
  epochs: { type: 'string', default: '1' },
  steps: { type: 'string' },
  batch: { type: 'string', default: '64' },
  'eval-batch': { type: 'string', default: '500' },
  lr: { type: 'string', default: '0.05' },
  optimizer: { type: 'string', default: 'sgd' },
  momentum: { type: 'string', default: '0.9' },
  'weight-decay': { type: 'string', default: '0' },
  seed: { type: 'string', default: '1' },
  augment: { type: 'boolean', default: false },
  data: { type: 'string', default: 'bundled' },
  'train-images': { type: 'string' },
  'train-labels': { type: 'string' },
  'test-images': { type: 'string' },
  'test-labels': { type: 'string' },
  scalar: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  csv: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

const HELP = {
  main: `Usage: normlab <command> [options]

Commands:
  train      train one model and report its test accuracy (--save to keep it)
  compare    train the same preset with several norms, same seed and data order
  sweep      batch sizes × norms: test error as the batch shrinks
  evaluate   evaluate a saved model (--load FILE)

Run "normlab <command> --help" for the options of each command.`,
  common: `Options:
  --preset NAME        architecture (default tiny; see the list below)
  --epochs N           epochs to train (default 1)
  --steps N            train exactly N steps instead of epochs
  --batch N            batch size (default 64)
  --eval-batch N       batch size of evaluations (default 500; smaller needs less memory)
  --lr X               learning rate (default 0.05)
  --optimizer NAME     sgd | adam | adamw (default sgd)
  --momentum X         SGD momentum (default 0.9)
  --weight-decay X     weight decay (default 0)
  --seed N             seed of init, data order, dropout, augmentation (default 1)
  --augment            random shifts of up to ±2 pixels
  --data SOURCE        bundled (8,000/2,000 MNIST digits, default) | idx (give the four
                       --train-images/--train-labels/--test-images/--test-labels paths,
                       gzipped or not: the original MNIST files or Fashion-MNIST)
  --scalar             use the scalar wasm build instead of SIMD
  --json | --csv       machine-readable output on stdout
  --quiet              no progress bar
  -h, --help           this help`,
  train: `Usage: normlab train [options] [--norm NORM] [--save FILE]
  --norm NORM          none | batch | layer-channels | layer-sample | group:G | instance
                       (default batch), e.g. "batch,momentum=0.01,running_var=biased"
  --save FILE          write the trained model (normlab model format)`,
  compare: `Usage: normlab compare [options] [--norms LIST]
  --norms LIST         comma-free list separated by spaces or semicolons
                       (default "batch;layer-sample;group:2;none")`,
  sweep: `Usage: normlab sweep [options] [--norms LIST] [--batches LIST]
  --batches LIST       batch sizes (default "64,32,16,8,4,2"); the learning rate is scaled
                       linearly with the batch (lr × B / 64), as in the GroupNorm paper
  --norms LIST         (default "batch;layer-sample;group:2")`,
  evaluate: `Usage: normlab evaluate --load FILE [data options]`,
};

class UsageError extends Error {}  // exit code 2
class DataError extends Error {}   // a data file that does not parse or fit: exit code 1

function int(name, text, min, max) {
  const v = /^-?\d+$/.test(text) ? Number(text) : NaN;  // digits only: not "", "0x10" or "1e3"
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
  return v;
}
function num(name, text, min = -Infinity) {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v) || v < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got "${text}"`);
  return v;
}
function list(name, text) {
  const items = text.split(/[;\s]+/).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${name} lists nothing, got "${text}"`);
  return items;
}

const IDX_FILES = ['train-images', 'train-labels', 'test-images', 'test-labels'];

async function loadData(nl, v) {
  if (v.data === 'bundled') return nl.datasets.mnist();
  if (v.data !== 'idx') throw new UsageError(`--data must be "bundled" or "idx", got "${v.data}"`);
  const paths = IDX_FILES;
  for (const p of paths) if (!v[p]) throw new UsageError(`--data idx needs --${p} FILE`);
  const read = async (p) => {
    try {
      return new Uint8Array(await readFile(v[p]));
    } catch (e) {
      throw new UsageError(`--${p}: cannot read "${v[p]}": ${e.code ?? e.message}`);
    }
  };
  const bytes = [];
  for (const p of paths) bytes.push(await read(p)); // in order, so the first missing file is named
  // A pair that does not parse or match is named by its files.
  const pair = async (images, labels, i) => {
    try {
      return await nl.datasets.fromIDX(bytes[i], bytes[i + 1]);
    } catch (e) {
      throw new DataError(`--${images} "${v[images]}" and --${labels} "${v[labels]}": ${e.message}`);
    }
  };
  return {
    train: await pair('train-images', 'train-labels', 0),
    test: await pair('test-images', 'test-labels', 2),
    source: (which) => `--${which}-images "${v[`${which}-images`]}"`,
  };
}

// The model's input shape against the data's, naming the file that does not fit.
function checkShape(model, data) {
  const [, , h, w] = model.info.inputShape;
  for (const which of ['train', 'test']) {
    const d = data[which];
    if (d.height !== h || d.width !== w) {
      const from = data.source ? data.source(which) : `the ${which} set`;
      throw new DataError(`${from} holds ${d.height}×${d.width} images; preset ${model.preset} takes ${h}×${w}`);
    }
  }
}

// Fails before training, not after it, when the model could not be saved.
async function checkWritable(path) {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) throw new UsageError(`--save: "${path}" is a directory`);
  try {
    await access(info ? path : dirname(path), constants.W_OK);
  } catch (e) {
    throw new UsageError(`--save: cannot write "${path}": ${e.code ?? e.message}`);
  }
}

function trainConfig(v, batch = int('batch', v.batch, 1, 4096)) {
  return {
    optimizer: v.optimizer,
    lr: num('lr', v.lr, 0),
    momentum: num('momentum', v.momentum, 0),
    weightDecay: num('weight-decay', v['weight-decay'], 0),
    batchSize: batch,
    evalBatchSize: int('eval-batch', v['eval-batch'], 1, 65536),
    seed: int('seed', v.seed, 0, Number.MAX_SAFE_INTEGER),
    augment: v.augment,
    epochs: int('epochs', v.epochs, 1, 1000),
  };
}

// A one-line progress bar on stderr (TTY only): step, ETA, loss, accuracy, samples/s.
function progress(label, total, quiet) {
  const start = performance.now();
  const live = !quiet && process.stderr.isTTY;
  let loss = 0, acc = 0;
  return {
    update(i, r) {
      loss = 0.9 * loss + 0.1 * r.loss;
      acc = 0.9 * acc + 0.1 * r.accuracy;
      if (i === 0) (loss = r.loss), (acc = r.accuracy);
      if (!live || (i % 5 !== 0 && i !== total - 1)) return;
      const s = (performance.now() - start) / 1000, rate = ((i + 1) * r.batch) / s;
      const eta = (s / (i + 1)) * (total - i - 1);
      const bar = '█'.repeat(Math.round((20 * (i + 1)) / total)).padEnd(20, '·');
      process.stderr.write(`\r${label} ${bar} ${i + 1}/${total}  ETA ${eta.toFixed(0)}s  loss ${loss.toFixed(3)}  acc ${(100 * acc).toFixed(1)}%  ${rate.toFixed(0)} samples/s `);
    },
    done() {
      if (live) process.stderr.write('\n');
      return (performance.now() - start) / 1000;
    },
  };
}

// Trains one model and evaluates it both ways; returns a summary row.
function run(nl, data, { preset, norm, config, steps, quiet, label = norm }) {
  const model = nl.createModel({ preset, norm, seed: config.seed });
  checkShape(model, data);
  const trainer = nl.createTrainer(model, data.train, config);
  const total = steps ?? config.epochs * trainer.state.stepsPerEpoch;
  const bar = progress(label, total, quiet);
  let best = 0, diverged = null, samples = 0;
  const perEpoch = trainer.state.stepsPerEpoch;
  try {
    for (let i = 0; i < total; ) {
      const chunk = trainer.steps(Math.min(10, total - i));
      for (const r of chunk) {
        bar.update(i++, r);
        samples += r.batch;
        if (i % perEpoch === 0) best = Math.max(best, trainer.evaluate(data.test).accuracy);
      }
    }
  } catch (e) {
    if (!/not finite|NaN|diverg/i.test(e.message)) throw e;
    diverged = e.message;
  }
  const seconds = bar.done();
  const evalMode = trainer.evaluate(data.test);
  const trainMode = trainer.evaluate(data.test, { training: true, batchSize: config.batchSize });
  const row = {
    preset, norm, batch: config.batchSize, lr: config.lr, steps: trainer.state.step,
    testAccuracy: evalMode.accuracy, bestTestAccuracy: Math.max(best, evalMode.accuracy),
    testLoss: evalMode.loss, trainModeAccuracy: trainMode.accuracy,
    trainEvalGap: trainMode.accuracy - evalMode.accuracy, seconds, samplesPerSecond: samples / seconds,
    diverged,
  };
  return { row, model, trainer };
}

function print(rows, v, columns) {
  if (v.json) return console.log(JSON.stringify(rows, null, 2));
  if (v.csv) {
    console.log(columns.map((c) => c[0]).join(','));
    for (const r of rows) console.log(columns.map((c) => JSON.stringify(r[c[0]] ?? '')).join(','));
    return;
  }
  const cells = rows.map((r) => columns.map(([key, , fmt]) => (fmt ? fmt(r[key], r) : String(r[key]))));
  const heads = columns.map((c) => c[1]);
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((s, i) => s.padStart(widths[i])).join('  ');
  console.log(line(heads));
  for (const c of cells) console.log(line(c));
}

const pct = (x) => (x == null ? '' : `${(100 * x).toFixed(2)}%`);
const COLUMNS = [
  ['norm', 'norm'],
  ['batch', 'batch'],
  ['testAccuracy', 'test acc', (x, r) => (r.diverged ? 'diverged' : pct(x))],
  ['bestTestAccuracy', 'best', pct],
  ['trainEvalGap', 'train−eval', (x) => `${(100 * x).toFixed(2)} pt`],
  ['seconds', 'time', (x) => `${x.toFixed(1)} s`],
  ['samplesPerSecond', 'samples/s', (x) => x.toFixed(0)],
];

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return console.log(`${HELP.main}\n\n${HELP.common}`), 0;
  const extra = {
    train: { norm: { type: 'string', default: 'batch' }, save: { type: 'string' } },
    compare: { norms: { type: 'string', default: 'batch;layer-sample;group:2;none' } },
    sweep: { norms: { type: 'string', default: 'batch;layer-sample;group:2' }, batches: { type: 'string', default: '64,32,16,8,4,2' } },
    evaluate: { load: { type: 'string' } },
  }[command];
  if (!extra) throw new UsageError(`unknown command "${command}" (expected train, compare, sweep or evaluate)`);
  let v;
  try {
    ({ values: v } = parseArgs({ args: rest, options: { ...COMMON, ...extra }, strict: true }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (v.help) return console.log(`${HELP[command]}\n\n${HELP.common}`), 0;

  // Every flag is checked before the engine loads, the data is read or anything trains.
  const steps = v.steps === undefined ? undefined : int('steps', v.steps, 1, 1e8);
  const config = trainConfig(v);
  const norms = v.norms === undefined ? null : list('norms', v.norms);
  const batches = v.batches === undefined ? null : v.batches.split(',').map((b) => int('batches', b.trim(), 1, 4096));
  if (v.save) await checkWritable(v.save);
  if (command === 'evaluate' && !v.load) throw new UsageError('evaluate needs --load FILE');
  if (v.data === 'bundled') {
    const stray = IDX_FILES.find((p) => v[p] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --data idx`);
  }
  const nl = await loadEngine({ simd: !v.scalar });
  if (!nl.presets.includes(v.preset)) throw new UsageError(`--preset must be one of ${nl.presets.join(', ')}; got "${v.preset}"`);
  const data = await loadData(nl, v);

  if (command === 'train') {
    const { row, model } = run(nl, data, { preset: v.preset, norm: v.norm, config, steps, quiet: v.quiet });
    print([row], v, COLUMNS);
    if (v.save) {
      try {
        await writeFile(v.save, model.save());
      } catch (e) {
        throw new Error(`--save: could not write "${v.save}" after training: ${e.code ?? e.message}`);
      }
    }
    return row.diverged ? (console.error(`normlab: ${row.diverged}`), 3) : 0;
  }
  if (command === 'compare') {
    const rows = norms.map((norm) => run(nl, data, { preset: v.preset, norm, config, steps, quiet: v.quiet }).row);
    print(rows, v, COLUMNS);
    return 0;
  }
  if (command === 'sweep') {
    const rows = [];
    for (const batch of batches)
      for (const norm of norms) {
        const c = { ...trainConfig(v, batch), lr: (config.lr * batch) / 64 };
        rows.push(run(nl, data, { preset: v.preset, norm, config: c, steps, quiet: v.quiet, label: `B=${batch} ${norm}` }).row);
      }
    print(rows, v, [['batch', 'batch'], ['norm', 'norm'], ['lr', 'lr', (x) => x.toPrecision(3)],
      ['testAccuracy', 'test error', (x, r) => (r.diverged ? 'diverged' : pct(1 - x))], ...COLUMNS.slice(4)]);
    return 0;
  }
  // evaluate
  let bytes;
  try {
    bytes = new Uint8Array(await readFile(v.load));
  } catch (e) {
    throw new UsageError(`--load: cannot read "${v.load}": ${e.code ?? e.message}`);
  }
  const model = nl.loadModel(bytes);
  checkShape(model, data);
  const trainer = nl.createTrainer(model, data.train, config);
  const r = trainer.evaluate(data.test);
  const row = { preset: model.preset, norm: model.norm, testAccuracy: r.accuracy, testLoss: r.loss, perClass: Array.from(r.perClass) };
  if (v.json || v.csv) print([row], v, [['preset'], ['norm'], ['testAccuracy'], ['testLoss']]);
  else console.log(`${model.preset} (${model.norm}): test accuracy ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}\nper class: ${row.perClass.map(pct).join(' ')}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code ?? 0),
  (e) => {
    console.error(`normlab: ${e.message}`);
    process.exit(e instanceof UsageError || e instanceof RangeError || e instanceof TypeError ? 2 : 1);
  },
);
