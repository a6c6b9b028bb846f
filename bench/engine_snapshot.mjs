// A copy of the engine as it is when the run starts (wasm/*.js, wasm/dist, the bundled
// digits) in build/bench/engine, which every training and memory cell loads. Others may
// rebuild wasm/dist while a run is going; this way all cells measure the same build.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ENGINE = 'build/bench/engine/wasm/index.js'; // relative to the repository
export const ENGINE_DIST = 'build/bench/engine/wasm/dist';

export function snapshotEngine() {
  const dir = `${ROOT}build/bench/engine`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/wasm`, { recursive: true });
  cpSync(`${ROOT}wasm`, `${dir}/wasm`, { recursive: true, filter: (src) => !src.endsWith('.cpp') });
  cpSync(`${ROOT}data/mnist`, `${dir}/data/mnist`, { recursive: true });
  return ENGINE;
}
