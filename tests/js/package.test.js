// The npm package as users get it: `npm pack`, installed into a fresh folder, imported by
// name from Node with no emcc on PATH, and bundled by Vite.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;
let app;

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), 'normlab-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, encoding: 'utf8' }));
  const files = packed[0].files.map((f) => f.path);
  for (const f of ['wasm/dist/nl_simd.wasm', 'wasm/dist/nl_scalar.wasm', 'wasm/index.d.ts', 'data/mnist/train-images-idx3-ubyte.gz', 'LICENSE'])
    expect(files).toContain(f);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, packed[0].filename)], { cwd: app, stdio: 'pipe' });
}, 120_000);

test('the installed tarball trains tiny from Node with no emcc on PATH', () => {
  const bin = join(app, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  writeFileSync(join(app, 'train.mjs'), `
    import { loadEngine } from 'normlab';
    const nl = await loadEngine();
    const { train, test } = await nl.datasets.mnist();
    const model = nl.createModel({ preset: 'tiny', norm: 'layer-sample', seed: 3 });
    const trainer = nl.createTrainer(model, train, { lr: 0.05, batchSize: 32, seed: 3 });
    const losses = trainer.steps(300).map((r) => r.loss);
    const avg = (a) => a.reduce((s, v) => s + v, 0) / a.length;
    console.log(JSON.stringify({ simd: nl.simd, first: avg(losses.slice(0, 30)), last: avg(losses.slice(-30)),
                                 accuracy: trainer.evaluate(test).accuracy }));
  `);
  const out = JSON.parse(execFileSync(join(bin, 'node'), ['train.mjs'], { cwd: app, encoding: 'utf8', env: { PATH: bin } }));
  expect(out.simd).toBe(true);
  expect(out.last).toBeLessThan(out.first / 2);
  expect(out.accuracy).toBeGreaterThan(0.85);
}, 120_000);

test('a Vite app that imports normlab bundles both wasm builds', () => {
  writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
  writeFileSync(join(app, 'main.js'), `import { loadEngine } from 'normlab';\nloadEngine().then((nl) => console.log(nl.version));\n`);
  execFileSync(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: app, stdio: 'pipe' });
  const assets = readdirSync(join(app, 'dist/assets'));
  expect(assets.some((f) => /^nl_simd.*\.wasm$/.test(f))).toBe(true);
  expect(assets.some((f) => /^nl_scalar.*\.wasm$/.test(f))).toBe(true);
}, 120_000);
