// Starts the static server (scripts/serve.mjs on a free port) and Debian's Chromium through
// playwright-core, as TOOLCHAIN.md describes; every response gets the strict CSP header the
// page must work under.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'tests/e2e/screenshots');
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const CHROMIUM = '/usr/bin/chromium';

// What the page needs that the build makes; missing pieces fail with the command to run.
export function checkBuilt() {
  const needs = [
    ['web/vendor/uPlot.esm.js', 'node scripts/vendor.mjs'],
    ['wasm/dist/nl_simd.wasm', 'bash scripts/build.sh wasm'],
    ['wasm/dist/nl_scalar.wasm', 'bash scripts/build.sh wasm'],
  ];
  for (const [file, fix] of needs) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run ${fix}`);
  }
}

export async function startServer() {
  checkBuilt();
  const child = spawn(process.execPath, [join(ROOT, 'scripts/serve.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve.mjs did not print its URL within 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

export async function startBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with NORMLAB_WITH_BROWSER=1 bash scripts/setup.sh (Debian package chromium)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'normlab-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  // The context's route also sees the workers' requests (their scripts, the wasm, the data).
  await context.route('**/*', async (route) => {
    let response;
    try {
      response = await fetchRetryingReset(route);
    } catch {
      // The page closed, or the server failed twice: the browser sees a network error,
      // which the tests then report; the handler itself must not throw past Playwright.
      await route.abort().catch(() => {});
      return;
    }
    // Fulfilling fails only once the page is gone, when nobody waits for the answer.
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } }).catch(() => {});
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Playwright's request client reuses keep-alive connections, and one the server is just
// closing answers ECONNRESET; like a browser, try such an idempotent GET once more.
async function fetchRetryingReset(route) {
  try {
    return await route.fetch();
  } catch (e) {
    if (!/ECONNRESET|socket hang up/.test(String(e?.message))) throw e;
    return route.fetch();
  }
}

// A new page that records console errors and uncaught exceptions.
export async function openPage(context, url, { width = 1440, height = 900 } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  // Every request passes through the route above; on a loaded 2-core machine the page's
  // ~40 files can take longer than Playwright's default 30 s to arrive.
  await page.goto(url, { timeout: 90_000 });
  return { page, errors };
}

// The run panels' progress as the page shows it.
export function runs(page) {
  return page.$$eval('.run-panel', (els) =>
    els.map((e) => ({ step: Number(e.dataset.step ?? 0), status: e.dataset.status, accuracy: e.dataset.accuracy ? Number(e.dataset.accuracy) : null })),
  );
}

// Polls `check` until it returns a truthy value; fails with `what` and the last value.
export async function waitFor(what, check, { timeout = 60_000, every = 250 } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
}

// How many strongly coloured pixels (series lines, bands) each chart canvas holds; axes and
// grid lines are grey, so an empty chart counts 0.
export function colouredPixels(page, selector) {
  return page.$$eval(selector, (canvases) =>
    canvases.map((c) => {
      if (!c.width || !c.height) return 0;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        const max = Math.max(d[i], d[i + 1], d[i + 2]);
        const min = Math.min(d[i], d[i + 1], d[i + 2]);
        if (d[i + 3] > 100 && max - min > 60) ++n;
      }
      return n;
    }),
  );
}

// The server and browser the tests of one file share, started before them and closed after:
//   const env = useServerAndBrowser();  …  openPage(env.context, env.url)
export function useServerAndBrowser() {
  const env = {};
  beforeAll(async () => {
    env.server = await startServer();
    env.browser = await startBrowser();
    env.url = env.server.url;
    env.context = env.browser.context;
  });
  afterAll(async () => {
    await env.browser?.close();
    env.server?.stop();
  });
  return env;
}

// A screenshot into tests/e2e/screenshots/ (git-ignored), to look at. Charts draw only
// near the viewport (web/charts/visibility.js), so a full-page one first scrolls through
// the page, a screen at a time, for each chart to draw its latest data.
export async function shot(page, name, fullPage = true) {
  if (fullPage) {
    await page.evaluate(async () => {
      const settle = () => new Promise((r) => setTimeout(r, 80));
      const start = window.scrollY;
      for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
        window.scrollTo(0, y);
        await settle();
      }
      window.scrollTo(0, start);
      await settle();
    });
  }
  return page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}
