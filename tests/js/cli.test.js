import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const cli = new URL('../../wasm/cli.js', import.meta.url).pathname;
const run = (...args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('the CLI', () => {
  test('--help lists the commands, and each command has its own help', () => {
    const main = run('--help');
    expect(main.code).toBe(0);
    for (const c of ['train', 'compare', 'sweep', 'evaluate']) expect(main.out).toContain(c);
    const sweep = run('sweep', '--help');
    expect(sweep.code).toBe(0);
    expect(sweep.out).toContain('--batches');
  });

  test('train --json trains, saves, and evaluate --load reads the model back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'normlab-cli-')), 'tiny.nlab');
    const t = run('train', '--steps', '60', '--batch', '32', '--json', '--save', file);
    expect(t.code, t.err).toBe(0);
    const [row] = JSON.parse(t.out);
    expect(row).toMatchObject({ preset: 'tiny', norm: 'batch', batch: 32, steps: 60, diverged: null });
    expect(row.testAccuracy).toBeGreaterThan(0.5);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('NLAB');
    const e = run('evaluate', '--load', file, '--json');
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out)[0].testAccuracy).toBeCloseTo(row.testAccuracy, 10);
  });

  test('compare prints one row per norm, sweep one per batch and norm', () => {
    const c = run('compare', '--steps', '20', '--norms', 'batch;none', '--csv');
    expect(c.code, c.err).toBe(0);
    const lines = c.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^"batch",/);
    const s = run('sweep', '--steps', '10', '--batches', '8,4', '--norms', 'batch;layer-sample', '--json');
    expect(s.code, s.err).toBe(0);
    const rows = JSON.parse(s.out);
    expect(rows.map((r) => [r.batch, r.norm])).toEqual([[8, 'batch'], [8, 'layer-sample'], [4, 'batch'], [4, 'layer-sample']]);
    expect(rows[2].lr).toBeCloseTo(0.05 * 4 / 64, 12);
  });

  test.each([
    [['fly'], /unknown command "fly"/],
    [['train', '--batch', 'abc'], /--batch must be an integer/],
    [['train', '--lr=-1'], /--lr must be a number/],
    [['train', '--lr', '-1'], /argument is ambiguous/],
    [['train', '--preset', 'nope'], /--preset must be one of/],
    [['train', '--norm', 'weird', '--steps', '1'], /unknown norm 'weird'/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', '--data', 'idx'], /--train-images/],
    [['train', '--data', 'idx', '--train-images', '/nonexistent', '--train-labels', 'a', '--test-images', 'b', '--test-labels', 'c'], /cannot read "\/nonexistent": ENOENT/],
    [['evaluate'], /--load FILE/],
  ])('%j fails with exit code 2 and a clear message', (args, pattern) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
  });

  test('a truncated model file or malformed IDX data fails with a message, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'normlab-cli-'));
    writeFileSync(join(dir, 'bad.nlab'), 'NLAB\x01');
    const m = run('evaluate', '--load', join(dir, 'bad.nlab'));
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/model file: truncated/);
    writeFileSync(join(dir, 'x'), Buffer.from([0, 0, 8, 3, 0, 0, 0, 1]));
    const d = run('train', '--data', 'idx', ...['train-images', 'train-labels', 'test-images', 'test-labels'].flatMap((f) => [`--${f}`, join(dir, 'x')]));
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/idx/i);
  });
});
