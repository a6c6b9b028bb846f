import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

const cli = new URL('../../wasm/cli.js', import.meta.url).pathname;
const run = (...args) =>
  new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 }, (error, out, err) => {
      resolve({ code: error ? error.code : 0, out, err });
    });
  });

// IDX files (big-endian headers) in a scratch folder.
const dir = mkdtempSync(join(tmpdir(), 'normlab-cli-'));
const file = (name, bytes) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const idxImages = (count, h, w, keep = Infinity) => {
  const b = Buffer.alloc(16 + count * h * w, 0);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(h, 8);
  b.writeUInt32BE(w, 12);
  for (let i = 16; i < b.length; ++i) b[i] = (i * 37) & 0xff;
  return b.subarray(0, Math.min(b.length, keep));
};
const idxLabels = (count) => {
  const b = Buffer.alloc(8 + count);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(count, 4);
  for (let i = 0; i < count; ++i) b[8 + i] = i % 10;
  return b;
};
const good = { images: file('good-images', idxImages(20, 28, 28)), labels: file('good-labels', idxLabels(20)) };
// --data idx with the given train pair and a good test pair (or the given test pair).
const idx = (trainImages, trainLabels, testImages = good.images, testLabels = good.labels) => [
  '--data', 'idx', '--train-images', trainImages, '--train-labels', trainLabels,
  '--test-images', testImages, '--test-labels', testLabels, '--steps', '1', '--batch', '4',
];

describe('the CLI', () => {
  test('--help lists the commands, and each command has its own help', async () => {
    const main = await run('--help');
    expect(main.code).toBe(0);
    for (const c of ['train', 'compare', 'sweep', 'evaluate']) expect(main.out).toContain(c);
    const sweep = await run('sweep', '--help');
    expect(sweep.code).toBe(0);
    expect(sweep.out).toContain('--batches');
  });

  test('train --json trains, saves, and evaluate --load reads the model back', async () => {
    const path = join(dir, 'tiny.nlab');
    const t = await run('train', '--steps', '60', '--batch', '32', '--json', '--save', path);
    expect(t.code, t.err).toBe(0);
    const [row] = JSON.parse(t.out);
    expect(row).toMatchObject({ preset: 'tiny', norm: 'batch', batch: 32, steps: 60, diverged: null });
    expect(row.testAccuracy).toBeGreaterThan(0.5);
    expect(readFileSync(path).subarray(0, 4).toString()).toBe('NLAB');
    const e = await run('evaluate', '--load', path, '--json');
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out)[0].testAccuracy).toBeCloseTo(row.testAccuracy, 10);
  });

  test('compare prints one row per norm, sweep one per batch and norm', async () => {
    const c = await run('compare', '--steps', '20', '--norms', 'batch;none', '--csv');
    expect(c.code, c.err).toBe(0);
    const lines = c.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^"batch",/);
    const s = await run('sweep', '--steps', '10', '--batches', '8,4', '--norms', 'batch;layer-sample', '--json');
    expect(s.code, s.err).toBe(0);
    const rows = JSON.parse(s.out);
    expect(rows.map((r) => [r.batch, r.norm])).toEqual([[8, 'batch'], [8, 'layer-sample'], [4, 'batch'], [4, 'layer-sample']]);
    expect(rows[2].lr).toBeCloseTo(0.05 * 4 / 64, 12);
  });

  test('a small IDX pair of the right shape trains (the control for the bad pairs below)', async () => {
    const r = await run('train', ...idx(good.images, good.labels), '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)[0].steps).toBe(1);
  });
});

// [arguments, exit code, pattern on stderr]. Code 2: a bad argument (checked before anything
// trains); 1: a file that cannot be read as what it claims to be.
const gzLabels = readFileSync(new URL('../../data/mnist/t10k-labels-idx1-ubyte.gz', import.meta.url));
const badInput = () => {
  const saved = join(dir, 'half.nlab');
  const notDir = join(dir, 'missing-dir', 'out.nlab');
  const aDir = join(dir, 'a-directory');
  mkdirSync(aDir, { recursive: true });
  return [
    // flags
    [['fly'], 2, /unknown command "fly"/],
    [['train', '--batch', 'abc'], 2, /--batch must be an integer in 1\.\.4096, got "abc"/],
    [['train', '--batch', '0'], 2, /--batch must be an integer in 1\.\.4096, got "0"/],
    [['train', '--batch', '99999'], 2, /--batch must be an integer in 1\.\.4096, got "99999"/],
    [['train', '--batch', '0x10'], 2, /--batch must be an integer.*"0x10"/],
    [['train', '--eval-batch', '0'], 2, /--eval-batch must be an integer in 1\.\.65536/],
    [['train', '--epochs', '0'], 2, /--epochs must be an integer in 1\.\.1000, got "0"/],
    [['train', '--steps', '1.5'], 2, /--steps must be an integer.*"1\.5"/],
    [['train', '--seed=-1'], 2, /--seed must be an integer in 0\.\./],
    [['train', '--lr=-1'], 2, /--lr must be a number/],
    [['train', '--lr', '-1'], 2, /argument is ambiguous/],
    [['train', '--lr', 'fast'], 2, /--lr must be a number ≥ 0, got "fast"/],
    [['train', '--weight-decay', 'x'], 2, /--weight-decay must be a number/],
    [['train', '--momentum', '1.5', '--steps', '1'], 2, /sgd: momentum = 1\.5, expected a value in \[0, 1\)/],
    [['train', '--optimizer', 'rmsprop', '--steps', '1'], 2, /optimizer "rmsprop" is unknown/],
    [['train', '--preset', 'nope'], 2, /--preset must be one of/],
    [['train', '--preset'], 2, /--preset <value>' argument missing/],
    [['train', '--norm', 'weird', '--steps', '1'], 2, /unknown norm 'weird'/],
    [['train', '--bogus'], 2, /Unknown option '--bogus'/],
    [['train', 'extra'], 2, /Unexpected argument 'extra'/],
    [['compare', '--norms', ';;'], 2, /--norms lists nothing/],
    [['sweep', '--batches', '8,,4'], 2, /--batches must be an integer in 1\.\.4096, got ""/],
    [['evaluate'], 2, /--load FILE/],
    [['evaluate', '--save', 'x.nlab'], 2, /Unknown option '--save'/],
    [['train', '--data', 'mnist'], 2, /--data must be "bundled" or "idx", got "mnist"/],
    [['train', '--data', 'idx'], 2, /--data idx needs --train-images FILE/],
    [['train', '--train-images', good.images], 2, /--train-images needs --data idx/],
    [['train', '--preset', 'baseline', '--batch', '4096', '--steps', '1'], 2, /training preset baseline \(norm batch\) at batch 4096 .*needs about [23]\.\d+ GB.*the engine may still allocate/],
    // missing files
    [['train', ...idx('/nonexistent', good.labels)], 2, /--train-images: cannot read "\/nonexistent": ENOENT/],
    [['train', ...idx(good.images, good.labels, good.images, '/nonexistent')], 2, /--test-labels: cannot read "\/nonexistent": ENOENT/],
    [['evaluate', '--load', '/nonexistent.nlab'], 2, /--load: cannot read "\/nonexistent\.nlab": ENOENT/],
    [['evaluate', '--load', aDir], 2, /--load: cannot read ".*a-directory": EISDIR/],
    // unwritable --save: refused before training
    [['train', '--steps', '1', '--save', notDir], 2, /--save: cannot write ".*missing-dir\/out\.nlab": ENOENT/],
    [['train', '--steps', '1', '--save', aDir], 2, /--save: ".*a-directory" is a directory/],
    // truncated or corrupt files
    [['evaluate', '--load', file('bad.nlab', 'NLAB\x01')], 1, /model file: truncated/],
    [['evaluate', '--load', saved], 1, /model file: (truncated|.*checksum)/],
    [['evaluate', '--load', file('labels.gz', gzLabels)], 1, /model file: bad magic: the file starts with bytes 1f 8b/],
    [['train', ...idx(file('x', Buffer.from([0, 0, 8, 3, 0, 0, 0, 1])), good.labels)], 1, /--train-images ".*x" and --train-labels ".*": idx: images file is 8 bytes, its header needs 16/],
    [['train', ...idx(file('short-images', idxImages(10, 28, 28, 100)), file('ten-labels', idxLabels(10)))], 1, /--train-images ".*short-images" and --train-labels ".*ten-labels": idx: images file declares 10×28×28 = 7840 bytes but holds 84/],
    [['train', ...idx(good.images, file('short-labels', idxLabels(20).subarray(0, 15)))], 1, /idx: labels file declares 20 bytes but holds 7/],
    [['train', ...idx(file('broken.gz', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3])), good.labels)], 1, /--train-images ".*broken\.gz".*starts like gzip but does not decompress/],
    [['train', ...idx(good.images, file('gz-of-garbage.gz', gzipSync(Buffer.from('not idx at all'))))], 1, /--train-labels ".*gz-of-garbage\.gz": idx: labels file has magic/],
    // IDX pairs that parse but do not fit
    [['train', ...idx(file('wide-images', idxImages(20, 32, 32)), good.labels)], 1, /--train-images ".*wide-images" holds 32×32 images; preset tiny takes 28×28/],
    [['train', ...idx(good.images, good.labels, file('wide-test', idxImages(20, 32, 32)), good.labels)], 1, /--test-images ".*wide-test" holds 32×32 images; preset tiny takes 28×28/],
    [['train', ...idx(good.images, file('twelve-labels', idxLabels(12)))], 1, /--train-images ".*good-images" and --train-labels ".*twelve-labels": dataset: images file holds 20 images but labels file holds 12 labels/],
    [['train', ...idx(good.images, file('label-42', Buffer.concat([idxLabels(20).subarray(0, 27), Buffer.from([42])])))], 1, /label 19 is 42, expected < 10 classes/],
    [['evaluate', '--load', saved.replace('half', 'whole'), ...idx(good.images, good.labels, file('wide-eval', idxImages(20, 32, 32)), good.labels)], 1, /--test-images ".*wide-eval" holds 32×32 images/],
  ];
};

describe('the CLI refuses bad input with a message and a non-zero exit code', () => {
  const setup = (async () => {
    const whole = join(dir, 'whole.nlab');
    const t = await run('train', '--steps', '1', '--batch', '8', '--save', whole);
    if (t.code !== 0) throw new Error(`saving a model for the cases failed: ${t.err}`);
    const bytes = readFileSync(whole);
    writeFileSync(join(dir, 'half.nlab'), bytes.subarray(0, bytes.length >> 1));
  })();

  test('covers 45 or more cases', () => {
    expect(badInput().length).toBeGreaterThanOrEqual(45);
  });

  test.concurrent.each(badInput().map((c) => [c[0].join(' ').replaceAll(dir, '…'), ...c]))('%s', async (_, args, code, pattern) => {
    await setup;
    const r = await run(...args);
    expect(r.err).toMatch(pattern);
    expect(r.code).toBe(code);
    if (code === 2) expect(r.out).toBe('');  // refused before anything trained or printed
  });
});
