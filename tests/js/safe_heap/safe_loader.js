// Loads a build of build/wasm-safe/dist the way wasm/loader.js loads wasm/dist under Node,
// after checking it is a SAFE_HEAP build: one whose every load and store calls out to
// Emscripten's checks (so a normal build left there cannot pass for it).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const dist = new URL('../../../build/wasm-safe/dist/', import.meta.url);

export function isSafeHeapBuild(bytes) {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => i.name);
  return imports.includes('segfault') && imports.includes('alignfault');
}

// The builds loaded so far, so a test can see the package loaded them and not its own.
export const loaded = [];

export async function loadSafeModule({ simd = true } = {}) {
  const name = simd ? 'nl_simd' : 'nl_scalar';
  loaded.push(name);
  const wasm = new URL(`${name}.wasm`, dist);
  const wasmBinary = await readFile(wasm);
  if (!isSafeHeapBuild(wasmBinary)) throw new Error(`${fileURLToPath(wasm)} is not a SAFE_HEAP build`);
  // This build's glue also runs in Node (its assertions refuse an environment it was not
  // built for), where it expects CommonJS's require and __dirname; an ES module has
  // neither. Each Vitest file runs in its own context, so they stay within these tests.
  globalThis.require ??= createRequire(import.meta.url);
  globalThis.__dirname ??= fileURLToPath(dist);
  const factory = (await import(new URL(`${name}.mjs`, dist).href)).default;
  // Assertions also report every heap growth; keep the rest of what the glue prints.
  const print = (text) => text.startsWith('Heap resize call') || console.log(text);
  return { module: await factory({ wasmBinary, print }), simd };
}
