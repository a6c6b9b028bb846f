// Start-up of the playground page in headless Chromium: time from navigation start to the
// first finished training step (a run panel's data-step attribute turning 1), in a fresh
// context each time (nothing cached), and what the load transferred; plus the gzipped size
// of each wasm build with its JS glue.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

// Runs in the page before its own scripts; performance.now() counts from navigation start.
function recordFirstSteps() {
  const marks = (window.__normlabStartup = { firstStep: null, allRunsStepped: null, runs: 0 });
  const observer = new MutationObserver(() => {
    const steps = [...document.querySelectorAll('.run-panel')].map((p) => Number(p.dataset.step ?? 0));
    const t = performance.now();
    if (marks.firstStep === null && steps.some((s) => s >= 1)) marks.firstStep = t;
    if (steps.length && steps.every((s) => s >= 1)) {
      marks.allRunsStepped = t;
      marks.runs = steps.length;
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-step'] });
}

export async function measureStartup(browser, server, { reps, timeoutSeconds = 30, settleMs = 1500 }) {
  const loads = [];
  const gz = new Map();
  for (let r = 0; r < reps; ++r) {
    server.takeServed();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(recordFirstSteps);
    try {
      await page.goto(`${server.url}index.html`);
      await page.waitForFunction(() => window.__normlabStartup?.allRunsStepped != null, null, { timeout: timeoutSeconds * 1000, polling: 50 });
      const marks = await page.evaluate(() => ({ ...window.__normlabStartup, domContentLoaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null }));
      // Let late requests (evaluation digits, lazily loaded modules) finish before counting.
      await page.waitForTimeout(settleMs);
      const served = server.takeServed();
      for (const s of served) if (!gz.has(s.file)) gz.set(s.file, gzipSize(readFileSync(s.file)));
      loads.push({ ...marks, errors, requests: served.length, bytes: served.reduce((n, s) => n + s.bytes, 0), gzipBytes: served.reduce((n, s) => n + gz.get(s.file), 0), served: served.map(({ path, bytes }) => ({ path, bytes })) });
    } catch (e) {
      // What the page itself says went wrong, if anything.
      const shown = await page.evaluate(() => [...document.querySelectorAll('[role=alert]')].map((el) => el.textContent.trim()).filter(Boolean).join(' / ')).catch(() => '');
      loads.push({ error: `${String(e.message).split('\n')[0]}${shown ? `; the page shows: ${shown.slice(0, 300)}` : ''}`, errors });
    }
    await context.close();
  }
  return loads;
}

// The gzip -9 size of each wasm build in `dist` (relative to the repository) and its glue,
// as a server would send them.
export function buildSizes(dist) {
  return ['simd', 'scalar'].map((build) => {
    const wasm = readFileSync(`${ROOT}${dist}/nl_${build}.wasm`);
    const glue = readFileSync(`${ROOT}${dist}/nl_${build}.mjs`);
    return { build, wasmBytes: wasm.length, glueBytes: glue.length, wasmGzip: gzipSize(wasm), glueGzip: gzipSize(glue) };
  });
}
