// The page's bundles (scripts/bundle_page.mjs): URLs that modules resolve against
// import.meta.url keep pointing at the same files from web/dist/, and the built bundles
// name only files that exist.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { rebaseUrls } from '../../../scripts/bundle_page.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = '/r/web/dist';
const ENTRIES = new Map([['/r/web/worker/worker.js', '/r/web/dist/worker.js']]);

describe('rebaseUrls', () => {
  test('a file next to the module is named from the bundles’ folder', () => {
    const code = "const a = new URL('../data/mnist/x.gz', import.meta.url);\nconst b = new URL(\"./dist/nl_simd.wasm\", import.meta.url);";
    expect(rebaseUrls(code, '/r/wasm', OUT, ENTRIES)).toBe(
      "const a = new URL('../../data/mnist/x.gz', import.meta.url);\nconst b = new URL('../../wasm/dist/nl_simd.wasm', import.meta.url);",
    );
  });

  test('an entry’s source is replaced by its bundle', () => {
    expect(rebaseUrls("new URL('../worker/worker.js', import.meta.url)", '/r/web/ui', OUT, ENTRIES)).toBe("new URL('./worker.js', import.meta.url)");
  });

  test('a bare import.meta.url becomes the module’s own folder', () => {
    expect(rebaseUrls('const base = import.meta.url;', '/r/wasm/dist', OUT, ENTRIES)).toBe("const base = new URL('../../wasm/dist/', import.meta.url).href;");
    expect(rebaseUrls('const here = import.meta.url;', '/r/web/dist', OUT, ENTRIES)).toBe("const here = new URL('./', import.meta.url).href;");
  });

  test('code without import.meta.url is left alone', () => {
    const code = "const u = new URL('x', location.href);";
    expect(rebaseUrls(code, '/r/wasm', OUT, ENTRIES)).toBe(code);
  });
});

describe('the built bundles (scripts/build.sh)', () => {
  for (const name of ['main.js', 'worker.js']) {
    test(`web/dist/${name} names only files that exist`, () => {
      const file = resolve(ROOT, 'web/dist', name);
      expect(existsSync(file), `${file} is missing: run bash scripts/build.sh wasm`).toBe(true);
      const code = readFileSync(file, 'utf8');
      const named = [
        ...[...code.matchAll(/new URL\("([^"]+)",import\.meta\.url\)/g)].map((m) => m[1]),
        ...[...code.matchAll(/import\("(\.[^"]+)"\)/g)].map((m) => m[1]),
      ];
      expect(named.length).toBeGreaterThan(0);
      const missing = named.filter((p) => !existsSync(resolve(dirname(file), p)));
      expect(missing).toEqual([]);
    });
  }

  test('the page loads the UI bundle, which starts the worker bundle before the rest of the UI', () => {
    expect(readFileSync(resolve(ROOT, 'index.html'), 'utf8')).toMatch(/<script type="module" src="web\/dist\/main\.js"><\/script>/);
    // A bundle evaluates its modules in import order.
    const imports = [...readFileSync(resolve(ROOT, 'web/ui/main.js'), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports[0]).toBe('./early_workers.js');
    expect(readFileSync(resolve(ROOT, 'web/dist/main.js'), 'utf8')).toContain('new URL("./worker.js",import.meta.url)');
  });
});
