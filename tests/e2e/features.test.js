// The playground's tools beyond training, in real headless Chromium under the strict CSP:
// the run panels' views (norm statistics, gradients, mistakes), drawing a digit, weights
// download and upload, the user's own IDX files, exporting every series, and the experiments
// that add charts of their own (batch-size sweep, Ioffe & Szegedy). Screenshots go to
// tests/e2e/screenshots/ (git-ignored).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { colouredPixels, openPage, ROOT, runs, shot, SCREENSHOTS, useServerAndBrowser, waitFor } from './browser.js';

const env = useServerAndBrowser();

const evaluated = (page) => waitFor('an evaluation of every run', async () => (await runs(page)).every((x) => x.accuracy !== null), { timeout: 90_000 });

// Writes a "7" on the drawing pad with the mouse.
async function drawSeven(page) {
  const box = await page.locator('.draw-pad-canvas').boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  for (const [fx, fy] of [[0.45, 0.2], [0.72, 0.2], [0.62, 0.45], [0.52, 0.65], [0.45, 0.85]]) await page.mouse.move(...at(fx, fy), { steps: 6 });
  await page.mouse.up();
}

describe('playground tools', () => {
  test('the run views draw norm statistics, gradients and mistakes; nothing leaves the page’s origin', async () => {
    const requests = [];
    const { page, errors } = await openPage(env.context, env.url);
    page.on('request', (r) => requests.push(r.url()));
    await evaluated(page);

    await page.click('#view-stats');
    await page.waitForTimeout(400);
    expect(await page.isVisible('#run-0-running-mean')).toBe(true);
    for (const id of ['run-0-running-mean', 'run-0-running-var', 'run-0-gamma', 'run-1-gamma']) {
      expect((await colouredPixels(page, `#${id} canvas`))[0], id).toBeGreaterThan(30);
    }
    // The LayerNorm run keeps no running statistics and says why.
    expect(await page.isVisible('#run-1-running-mean')).toBe(false);
    expect(await page.textContent('.run-1')).toContain('keeps no running statistics: only BatchNorm does');
    expect(await page.evaluate(() => location.hash)).toContain('view=stats');
    await shot(page, 'view-stats-1440');

    await page.click('#view-gradients');
    await page.waitForTimeout(400);
    for (const id of ['run-0-grad-norm', 'run-0-update-ratio', 'run-1-grad-norm']) {
      expect((await colouredPixels(page, `#${id} canvas`))[0], id).toBeGreaterThan(30);
    }
    await shot(page, 'view-gradients-1440');

    // The confusion matrix is drawn once its view shows, not while it is hidden.
    expect(await page.$$eval('#run-0-confusion svg', (s) => s.length)).toBe(0);
    await page.click('#view-mistakes');
    await page.waitForSelector('#run-0-confusion svg text');
    const counts = await page.$$eval('#run-0-confusion svg text', (t) => t.map((x) => Number(x.textContent)).filter((n) => Number.isFinite(n)));
    expect(counts.length).toBeGreaterThan(10);
    expect(await page.$$eval('#run-0-gallery canvas', (c) => c.length)).toBeGreaterThan(0);
    expect(await page.getAttribute('#run-0-gallery canvas', 'aria-label')).toMatch(/\d/);
    // The confusion matrix has a table alternative.
    await page.click('#run-0-confusion-title ~ .chart-tools button:has-text("Table"), .run-0 .view-mistakes .chart-tools button:has-text("Table")');
    expect(await page.textContent('.run-0 .view-mistakes .chart-table')).toMatch(/true/);
    await shot(page, 'view-mistakes-1440');

    // Everything came from the page's own server: no request went anywhere else.
    const foreign = requests.filter((u) => !u.startsWith(env.url));
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a digit drawn on the pad gets class probabilities from every run', async () => {
    const { page, errors } = await openPage(env.context, env.url);
    await evaluated(page);
    await page.locator('#draw').scrollIntoViewIfNeeded();
    await drawSeven(page);
    for (const i of [0, 1]) {
      await waitFor(`run ${i}'s probabilities`, async () => /^Reads \d, /.test(await page.textContent(`#prob-run-${i} .prob-summary`)));
      const values = await page.$$eval(`#prob-run-${i} .prob-value`, (v) => v.map((x) => x.textContent));
      expect(values).toHaveLength(10);
      for (const v of values) expect(v).toMatch(/^(<1|>99|\d{1,2}|100)%$/);
      // The bar widths are the probabilities: they add up to the whole track.
      const widths = await page.$$eval(`#prob-run-${i} .prob-fill`, (f) => f.map((x) => parseFloat(x.style.width)));
      expect(widths.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    }
    await shot(page, 'draw-digit-1440');
    await page.click('.draw-pad button:has-text("Clear")');
    await waitFor('the bars to empty', async () => !/\d+%/.test(await page.textContent('#prob-run-0 .prob-summary')));
    expect(errors).toEqual([]);
    await page.close();
  });

  test('weights download, and upload restarts a run from them', async () => {
    const { page, errors } = await openPage(env.context, env.url);
    await evaluated(page);
    const before = (await runs(page))[0].accuracy;
    await page.click('#play');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#run-0-save')]);
    expect(download.suggestedFilename()).toMatch(/^normlab-tiny-batch-step\d+\.nlab$/);
    const file = join(SCREENSHOTS, 'run-a.nlab');
    await download.saveAs(file);
    await page.setInputFiles('#run-0-weights-file', file);
    await waitFor('run A rebuilt from the file', async () => /Starts from the weights in “run-a.nlab”/.test(await page.textContent('.run-0')));
    await waitFor('runs ready at step 0', async () => (await runs(page)).every((x) => x.status === 'ready' && x.step === 0));
    // One step, then the first evaluation shows the loaded weights already classify well.
    await page.click('#play');
    await waitFor('run A evaluated', async () => (await runs(page))[0].accuracy !== null, { timeout: 60_000 });
    expect((await runs(page))[0].accuracy).toBeGreaterThan(Math.min(0.8, before - 0.1));
    // A file that is not a model is refused, the run stays as it was.
    await page.setInputFiles('#run-1-weights-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a model at all') });
    await waitFor('run B to report the bad file', async () => /could not start/.test(await page.textContent('.run-1 .run-message')));
    expect(await page.textContent('.run-1 .run-message')).toMatch(/model file|NLAB|magic/i);
    await shot(page, 'weights-refused-1440');
    // Starting afresh forgets the bad file.
    await page.click('#reset');
    await waitFor('both runs ready again', async () => (await runs(page)).every((x) => x.status === 'ready'));
    expect(errors).toEqual([]);
    await page.close();
  });

  test('four IDX files chosen by the user become the data; a non-IDX file is refused', async () => {
    const { page, errors } = await openPage(env.context, env.url);
    await waitFor('runs built', async () => (await runs(page)).every((x) => x.status === 'ready'));
    // Playwright takes either paths or buffers in one call: all are buffers here.
    const mnist = (name) => ({ name, mimeType: 'application/gzip', buffer: readFileSync(join(ROOT, 'data/mnist', name)) });
    // The bundled files, in a scrambled order: the page tells them apart by their headers.
    await page.setInputFiles('#data-files', [mnist('t10k-labels-idx1-ubyte.gz'), mnist('train-images-idx3-ubyte.gz'), mnist('t10k-images-idx3-ubyte.gz'), mnist('train-labels-idx1-ubyte.gz')]);
    await waitFor('the files in use', async () => /Your files: 8,000 training and 2,000 test images of 28×28/.test(await page.textContent('#data-status')));
    await waitFor('runs rebuilt', async () => (await runs(page)).every((x) => x.status === 'ready'));
    await page.click('#play');
    await waitFor('training on the files', async () => (await runs(page)).every((x) => x.step > 5));
    expect(await page.isVisible('#data-bundled')).toBe(true);

    await page.setInputFiles('#data-files', [
      { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]) },
      mnist('train-labels-idx1-ubyte.gz'),
      mnist('t10k-images-idx3-ubyte.gz'),
      mnist('t10k-labels-idx1-ubyte.gz'),
    ]);
    await waitFor('the refusal', async () => /photo.png is not an MNIST-style IDX file: it starts with 89 50 4e 47/.test(await page.textContent('#data-error')));
    expect(await page.textContent('#data-status')).toMatch(/Your files: 8,000/); // the data in use did not change
    // A truncated image file passes the header check and is refused by the engine.
    const images = mnist('train-images-idx3-ubyte.gz').buffer;
    await page.setInputFiles('#data-files', [
      { name: 'cut-images.gz', mimeType: 'application/gzip', buffer: images.subarray(0, images.length >> 1) },
      mnist('train-labels-idx1-ubyte.gz'),
      mnist('t10k-images-idx3-ubyte.gz'),
      mnist('t10k-labels-idx1-ubyte.gz'),
    ]);
    await waitFor('the engine’s refusal', async () => /the training files were refused/.test(await page.textContent('#data-error')));
    await shot(page, 'data-refused-1440', false);
    await page.click('#data-bundled');
    await waitFor('the bundled digits again', async () => /The bundled MNIST subset/.test(await page.textContent('#data-status')));
    expect(errors).toEqual([]);
    await page.close();
  });

  test('every recorded series exports as CSV and JSON, and each chart as PNG, SVG and CSV', async () => {
    const { page, errors } = await openPage(env.context, env.url);
    await evaluated(page);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const text = readFileSync(await csv.path(), 'utf8');
    expect(text.split(/\r?\n/)[0]).toBe('run,series,step,value');
    expect(text).toMatch(/\nA,loss: A: BatchNorm training,\d+,/);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const doc = JSON.parse(readFileSync(await json.path(), 'utf8'));
    expect(doc.settings.preset).toBe('tiny');
    expect(doc.charts.length).toBeGreaterThan(10);
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#loss-title ~ .chart-tools button:has-text("SVG")')]);
    const svgText = readFileSync(await svg.path(), 'utf8');
    expect(svgText).toMatch(/^<svg|^<\?xml/);
    expect((svgText.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(2);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#loss-title ~ .chart-tools button:has-text("PNG")')]);
    expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('experiments with charts of their own', () => {
  test('the batch-size sweep trains each batch size in turn and plots the error', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}#experiment=batch-sweep/mlp`);
    // All 18 runs (6 batch sizes × 3 norms) of one epoch of mlp.
    await waitFor('the sweep to finish', async () => /mlp at batch 2: /.test(await page.textContent('#batch-sweep-findings')) && !/now…/.test(await page.textContent('#batch-sweep-findings')), { timeout: 240_000, every: 1000 });
    const findings = await page.textContent('#batch-sweep-findings');
    for (const b of [64, 32, 16, 8, 4, 2]) expect(findings).toContain(`mlp at batch ${b}:`);
    expect(findings).toMatch(/BatchNorm’s error (grows|changes) by -?\d+\.\d points from batch 64 to 2/);
    expect(await page.$$eval('#sweep-table td', (t) => t.length)).toBe(18);
    await page.waitForTimeout(300);
    expect((await colouredPixels(page, '#sweep-chart canvas'))[0]).toBeGreaterThan(30);
    await page.locator('#batch-sweep').scrollIntoViewIfNeeded();
    await shot(page, 'experiment-sweep-mlp-1440');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  test('Ioffe & Szegedy: one sigmoid unit’s input percentiles are drawn for both runs', async () => {
    const { page, errors } = await openPage(env.context, env.url);
    await waitFor('runs built', async () => (await runs(page)).every((x) => x.status === 'ready'));
    await page.click('#tab-ioffe-szegedy');
    await page.click('#ioffe-szegedy-mlp');
    await waitFor('an evaluation', async () => (await runs(page)).every((x) => x.accuracy !== null && x.step > 100), { timeout: 90_000 });
    expect(await page.inputValue('#batch')).toBe('60');
    await page.waitForTimeout(400);
    for (const k of [0, 1]) expect((await colouredPixels(page, `#unit-${k} canvas`))[0], `unit chart ${k}`).toBeGreaterThan(30);
    const findings = await page.textContent('#ioffe-szegedy-findings');
    expect(findings).toMatch(/test accuracy \d+\.\d% with BatchNorm, \d+\.\d% without/);
    expect(findings).toMatch(/Without BatchNorm, the input of unit 0 of layer \d+: median/);
    await page.locator('#ioffe-szegedy').scrollIntoViewIfNeeded();
    await shot(page, 'experiment-ioffe-1440');
    expect(errors).toEqual([]);
    await page.close();
  });
});
