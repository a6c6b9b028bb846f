// Loads each wasm build once per test file.
import { loadEngine } from '../../wasm/index.js';

const engines = new Map();
export function engine(simd = true) {
  if (!engines.has(simd)) engines.set(simd, loadEngine({ simd }));
  return engines.get(simd);
}

// Deterministic pseudo-random floats in [-1, 1).
export function randomArray(n, seed = 1) {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; ++i) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = (s / 4294967296) * 2 - 1;
  }
  return a;
}

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
