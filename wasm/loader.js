// Loads one of the two wasm builds. SIMD is chosen when the runtime validates a SIMD128
// probe module; `simd: false` forces the scalar build.

// (module (func (result v128) i32.const 0 i32x4.splat))
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11,
]);

export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node;

// Literal import specifiers and `new URL(..., import.meta.url)` keep bundlers able to find
// both builds and their .wasm files.
async function importBuild(simd) {
  return simd
    ? { factory: (await import('./dist/nl_simd.mjs')).default, wasm: new URL('./dist/nl_simd.wasm', import.meta.url) }
    : { factory: (await import('./dist/nl_scalar.mjs')).default, wasm: new URL('./dist/nl_scalar.wasm', import.meta.url) };
}

export async function loadModule({ simd = simdSupported() } = {}) {
  if (simd && !simdSupported()) {
    throw new Error('loadEngine: simd: true was requested, but this runtime does not support WebAssembly SIMD128');
  }
  const { factory, wasm } = await importBuild(simd);
  const options = { locateFile: () => wasm.href };
  if (isNode) {
    // The glue is built for web and worker only (no handlers on `process`, no require);
    // under Node the binary is handed over directly.
    const { readFile } = await import('node:fs/promises');
    options.wasmBinary = await readFile(wasm);
  }
  return { module: await factory(options), simd };
}
