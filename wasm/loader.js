// Loads one of the two wasm builds. SIMD is chosen when the runtime validates a SIMD128
// probe module; `simd: false` forces the scalar build.
import { readUrl } from './read_url.js';

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

// Literal import specifiers and `new URL(..., import.meta.url)` keep bundlers able to find
// both builds and their .wasm files.
const BINARIES = { simd: new URL('./dist/nl_simd.wasm', import.meta.url), scalar: new URL('./dist/nl_scalar.wasm', import.meta.url) };
const importGlue = async (simd) => (simd ? await import('./dist/nl_simd.mjs') : await import('./dist/nl_scalar.mjs')).default;

export async function loadModule({ simd = simdSupported() } = {}) {
  if (simd && !simdSupported()) {
    throw new Error('loadEngine: simd: true was requested, but this runtime does not support WebAssembly SIMD128');
  }
  // The binary downloads while the glue is imported, rather than after the glue asks for it.
  const [factory, wasmBinary] = await Promise.all([importGlue(simd), readUrl(BINARIES[simd ? 'simd' : 'scalar'], 'loadEngine')]);
  return { module: await factory({ wasmBinary }), simd };
}
