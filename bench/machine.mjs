// What a benchmark table must say about where it was measured: date, CPU, OS, load,
// runtime and library versions, and the source revision.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function osName() {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))[1];
  } catch {
    return process.platform;
  }
}

function revision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'revision unknown';
  }
}

export const load = () => loadavg().map((x) => x.toFixed(2));

export function machine() {
  const pkg = (p) => JSON.parse(readFileSync(`${ROOT}${p}`, 'utf8')).version;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    os: osName(),
    node: process.version,
    tfjs: pkg('node_modules/@tensorflow/tfjs-core/package.json'),
    normlab: `${pkg('package.json')} (${revision()})`,
    loadStart: load(),
  };
}

// Which wasm builds are in `dist` (relative to the repository): the start of each build's
// SHA-256.
export function buildFingerprint(dist = 'wasm/dist') {
  const hash = (f) => {
    try {
      return createHash('sha256').update(readFileSync(`${ROOT}${dist}/${f}`)).digest('hex').slice(0, 10);
    } catch {
      return 'missing';
    }
  };
  return `nl_simd.wasm ${hash('nl_simd.wasm')}, nl_scalar.wasm ${hash('nl_scalar.wasm')}`;
}
