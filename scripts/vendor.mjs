// Copies the browser files of the page's third-party libraries from node_modules into
// web/vendor/ (git-ignored), where the page's modules import them from, unbundled (tests,
// development) or bundled (scripts/bundle_page.mjs).
// Run after `npm ci`: node scripts/vendor.mjs
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const files = [
  ['node_modules/uplot/dist/uPlot.esm.js', 'web/vendor/uPlot.esm.js'],
  ['node_modules/uplot/dist/uPlot.min.css', 'web/vendor/uPlot.min.css'],
  ['node_modules/uplot/LICENSE', 'web/vendor/uPlot.LICENSE'],
];

mkdirSync(fileURLToPath(new URL('web/vendor/', root)), { recursive: true });
for (const [from, to] of files) {
  const src = fileURLToPath(new URL(from, root));
  if (!existsSync(src)) {
    console.error(`vendor: ${from} is missing; run npm ci first`);
    process.exit(1);
  }
  copyFileSync(src, fileURLToPath(new URL(to, root)));
}
console.log(`vendor: copied ${files.length} files into web/vendor/`);
