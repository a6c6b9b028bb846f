// Bundles the page's code into web/dist/ (git-ignored): the UI (web/ui/main.js, uPlot
// included) into main.js and the run worker (web/worker/worker.js, with the engine's JS
// face) into worker.js. A page load then fetches two scripts instead of some 45 modules,
// whose chain of imports took a round trip per level on six connections. The wasm builds
// and their glue stay in wasm/dist/ and load at run time, as they do from the npm module.
// Run after scripts/vendor.mjs: node scripts/bundle_page.mjs
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = resolve(ROOT, 'web/dist');
// Each source entry and the bundle it becomes.
const ENTRIES = new Map([
  [resolve(ROOT, 'web/ui/main.js'), resolve(OUT_DIR, 'main.js')],
  [resolve(ROOT, 'web/worker/worker.js'), resolve(OUT_DIR, 'worker.js')],
]);

// A path as a URL relative to the bundles' folder.
function fromOutDir(outDir, path) {
  const r = relative(outDir, path).split(sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
}

// Modules find files relative to themselves: new URL('…', import.meta.url). In a bundle
// import.meta.url is the bundle's, so each such URL is rewritten relative to the bundles'
// folder; one naming another entry's source names its bundle instead (the page starts its
// workers this way). Any other import.meta.url becomes the module's own folder.
export function rebaseUrls(code, moduleDir, outDir = OUT_DIR, entries = ENTRIES) {
  return code.replace(/new URL\((['"])([^'"]+)\1,\s*import\.meta\.url\)|import\.meta\.url/g, (_match, _quote, spec) => {
    if (spec === undefined) return `new URL('${fromOutDir(outDir, moduleDir).replace(/\/?$/, '/')}', import.meta.url).href`;
    const target = resolve(moduleDir, spec);
    return `new URL('${fromOutDir(outDir, entries.get(target) ?? target)}', import.meta.url)`;
  });
}

const rebasePlugin = {
  name: 'rebase-import-meta-url',
  setup(b) {
    // The wasm glue is loaded from where it is built, not copied into the bundle.
    b.onResolve({ filter: /\/dist\/nl_\w+\.mjs$/ }, (args) => ({
      path: fromOutDir(OUT_DIR, resolve(args.resolveDir, args.path)),
      external: true,
    }));
    b.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      return { contents: code.includes('import.meta.url') ? rebaseUrls(code, dirname(args.path)) : code, loader: 'js' };
    });
  },
};

// uPlot's notice is not a comment esbuild keeps, so the UI bundle says where its licence is.
const BANNERS = new Map([[resolve(ROOT, 'web/ui/main.js'), '/*! includes uPlot, MIT licensed: web/vendor/uPlot.LICENSE */']]);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = [];
  for (const [source, bundle] of ENTRIES) {
    await build({
      entryPoints: [source],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      sourcemap: true,
      // node: imports sit on code paths that only Node takes (wasm/datasets.js, wasm/read_url.js).
      external: ['node:*'],
      banner: BANNERS.has(source) ? { js: BANNERS.get(source) } : {},
      plugins: [rebasePlugin],
      logLevel: 'warning',
    });
    sizes.push(`${relative(ROOT, bundle)} ${(statSync(bundle).size / 1024).toFixed(0)} KB`);
  }
  console.log(`bundle_page: ${sizes.join(', ')}`);
}
