// A static server of the repository on 127.0.0.1 for the browser benchmarks. Unlike
// scripts/serve.mjs it runs in-process and counts what it sends, so the start-up benchmark
// can add up a page load's transfer. Like it, it sends files uncompressed and without
// caching headers. The benchmark's own page and workers (bench/browser/) are cross-origin
// isolated: there performance.now() has microsecond resolution instead of 100 µs, which the
// wasm kernel benchmark's millisecond timings need. The playground is served as usual.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.gz': 'application/gzip',
};

export async function startServer() {
  let served = [];
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let file = join(ROOT, path);
    if (!file.startsWith(ROOT)) return void res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const isolated = path.startsWith('/bench/browser/') ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', ...isolated });
      res.end(body);
      served.push({ path, file, bytes: body.length });
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    // The responses since the last call: [{path, file, bytes}].
    takeServed() {
      const out = served;
      served = [];
      return out;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}
