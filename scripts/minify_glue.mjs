// Minifies Emscripten's JS glue in place with terser (compress + mangle), since Debian's
// Emscripten has no Closure compiler: about 13.4 KB gzipped becomes 9.3 KB. The glue is an
// ES module whose only export is the module factory; property names are left alone, so the
// names the wasm imports and exports by stay intact.
// Usage: node scripts/minify_glue.mjs FILE.mjs   (run by CMake after each wasm link)
import { readFileSync, writeFileSync } from 'node:fs';
import { minify } from 'terser';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/minify_glue.mjs FILE.mjs');
  process.exit(2);
}
const { code } = await minify(readFileSync(file, 'utf8'), {
  module: true,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false },
});
writeFileSync(file, code);
