// The safe-heap suite: JS tests run against the wasm build with Emscripten's run-time
// checks of every memory access (-sASSERTIONS=2 -sSAFE_HEAP=1; CMake option
// NORMLAB_WASM_SAFE_HEAP, built into build/wasm-safe). The package's own JS face
// (wasm/index.js) runs unchanged; setup.js only swaps its loader for one that loads the
// safe build. It runs the layer and error-table suites as they are, plus training and
// model save/load (training.safe_heap.js), shortened because every access is checked.
//   npx vitest run --config tests/js/safe_heap/vitest.config.js
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../../..', import.meta.url).pathname,
    include: ['tests/js/layers.test.js', 'tests/js/errors.test.js', 'tests/js/safe_heap/*.safe_heap.js'],
    setupFiles: ['tests/js/safe_heap/setup.js'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
