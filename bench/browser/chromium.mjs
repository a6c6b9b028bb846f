// Debian's headless Chromium through playwright-core (TOOLCHAIN.md), with a fresh profile
// per context, so no load is served from a cache.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const EXECUTABLE = '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // A headless page is never in the background, but make sure nothing is throttled.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
];

export async function launchChromium() {
  if (!existsSync(EXECUTABLE)) {
    throw new Error(`${EXECUTABLE} is missing: install Debian's chromium (NORMLAB_WITH_BROWSER=1 bash scripts/setup.sh)`);
  }
  const browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
  return { browser, version: browser.version() };
}

// A page in a new context (empty cache); page errors are collected in `errors`.
export async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  return { page, errors, close: () => context.close() };
}
