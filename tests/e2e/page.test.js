// The playground page in real headless Chromium, served on 127.0.0.1 under the strict CSP
// `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'`. Screenshots of the main states
// go to tests/e2e/screenshots/ (git-ignored).
import { describe, expect, test } from 'vitest';
import { colouredPixels, openPage, runs, shot, useServerAndBrowser, waitFor } from './browser.js';

const env = useServerAndBrowser();

describe('playground page', () => {
  test('the default BatchNorm vs LayerNorm runs train past 90% test accuracy, draw their charts, pause, step and reset', async () => {
    const { page, errors } = await openPage(env.context, env.url);

    // Both runs start training on their own (no click), and both pass 90% on the test digits.
    // tiny at batch 64 reaches ~95% after one epoch (125 steps); 120 s bounds a slow machine.
    const trained = await waitFor('both runs above 90% test accuracy', async () => {
      const r = await runs(page);
      return r.length === 2 && r.every((x) => x.accuracy !== null && x.accuracy > 0.9) && r;
    }, { timeout: 120_000 });
    expect(trained.map((r) => r.status)).toEqual(['ready', 'ready']);
    await expect.poll(() => page.textContent('#run-0-heading')).toContain('BatchNorm');
    expect(await page.textContent('#run-1-heading')).toContain('LayerNorm over C×H×W');
    expect(await page.textContent('#preset-info')).toMatch(/tiny: 9 layers, 9,146 parameters, 1\.85 MFLOP per training sample/);

    // Lockstep: a run may lead the slower one by max(16, 3 chunks of ~50 ms) steps; at
    // tiny's ~20–60 ms per step that is 16, and 64 leaves room for events still in flight.
    const r = await runs(page);
    expect(Math.abs(r[0].step - r[1].step)).toBeLessThanOrEqual(64);

    // Every chart has drawn coloured lines: loss and accuracy for all runs; for run A (BN)
    // train/eval accuracy, the activation band and the running mean/variance; for run B
    // (LayerNorm) train/eval accuracy and the band (it has no running statistics).
    // Thresholds: a drawn line over a ~480 px wide plot colours hundreds of pixels, a few
    // evaluation points with their markers some tens; an empty chart (grey axes) colours 0.
    await page.waitForTimeout(300); // one animation frame after the last data
    const [loss] = await colouredPixels(page, '#chart-loss canvas');
    const [accuracy] = await colouredPixels(page, '#chart-accuracy canvas');
    expect(loss).toBeGreaterThan(200);
    expect(accuracy).toBeGreaterThan(50);
    // A chart draws once it comes within a screen of the viewport (web/charts/visibility.js),
    // as it does for a reader scrolling down to it.
    const drawn = async (id) => {
      await page.locator(`#${id}`).scrollIntoViewIfNeeded();
      await expect.poll(async () => (await colouredPixels(page, `#${id} canvas`))[0] ?? 0, { message: id }).toBeGreaterThan(30);
    };
    for (const id of ['run-0-train-eval', 'run-0-band', 'run-0-band-in', 'run-0-moments', 'run-1-train-eval', 'run-1-band']) await drawn(id);
    // The running statistics are in the "Norm statistics" view; the LayerNorm run has none.
    expect(await page.isVisible('#run-0-running-mean')).toBe(false);
    await page.click('#view-stats');
    for (const id of ['run-0-running-mean', 'run-0-running-var']) await drawn(id);
    expect(await page.isVisible('#run-1-running-mean')).toBe(false);
    await page.click('#view-overview');
    expect(await page.textContent('#bn-vs-ln-small-batch-findings')).toMatch(/averages 50,176 values .* BatchNorm \d+\.\d% test accuracy/s);
    await shot(page, 'default-trained-1440');

    // Pause: both stop, come level, and stay put.
    await page.click('#play');
    await expect.poll(() => page.textContent('#play-state')).toBe('Paused.');
    const paused = await waitFor('the runs to stop at the same step', async () => {
      const x = await runs(page);
      return x[0].step === x[1].step && x;
    }, { timeout: 20_000 });
    await page.waitForTimeout(1500);
    expect((await runs(page)).map((x) => x.step)).toEqual(paused.map((x) => x.step));

    // Single step (keyboard operable: the button, then the 's' key on the page).
    await page.focus('#step');
    await page.keyboard.press('Enter');
    await waitFor('one step for each run', async () => (await runs(page)).every((x) => x.step === paused[0].step + 1));
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press('s');
    await waitFor('a second step', async () => (await runs(page)).every((x) => x.step === paused[0].step + 2));

    // Reset clears the runs and the charts and stays paused.
    await page.click('#reset');
    await waitFor('runs back at step 0 and ready', async () => (await runs(page)).every((x) => x.step === 0 && x.status === 'ready' && x.accuracy === null));
    await page.waitForTimeout(300);
    expect((await colouredPixels(page, '#chart-loss canvas'))[0]).toBe(0);
    expect((await colouredPixels(page, '#run-0-running-mean canvas'))[0]).toBe(0);
    expect(await page.textContent('#play-state')).toBe('Paused.');
    await page.waitForTimeout(1000);
    expect((await runs(page)).map((x) => x.step)).toEqual([0, 0]);

    // 'k' on the page plays again.
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press('k');
    await waitFor('training after k', async () => (await runs(page)).every((x) => x.step > 5));

    expect(errors).toEqual([]);

    // The CSP header really is in force: an inline script is refused (checked last: the
    // browser logs the refusal as a console error). Without the header it would run.
    const violations = await page.evaluate(async () => {
      const seen = [];
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return { ran: window.__inlineRan === true, seen };
    });
    expect(violations).toEqual({ ran: false, seen: [expect.stringMatching(/^script-src/)] });
    await page.close();
  });

  test('an expensive preset shows its cost and waits for Play', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}#preset=vgg16&batch=8&norms=batch,none`);
    await waitFor('both runs built', async () => (await runs(page)).every((x) => x.status === 'ready'), { timeout: 60_000 });
    expect(await page.textContent('#preset-info')).toMatch(/vgg16: .*1\.47 GFLOP per training sample .*11\.8 GFLOP per step at batch 8\. .*press Play when ready/);
    expect(await page.textContent('#preset option[value=vgg16]')).toBe('vgg16 (1.47 GFLOP)');
    await page.waitForTimeout(1500);
    expect((await runs(page)).map((x) => x.step)).toEqual([0, 0]);
    expect(await page.textContent('#play-state')).toBe('Paused.');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a URL with state restores it', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}#preset=mlp&batch=32&norms=batch,layer-sample,group:2`);
    await waitFor('three runs built', async () => {
      const r = await runs(page);
      return r.length === 3 && r.every((x) => x.status === 'ready');
    });
    expect(await page.inputValue('#preset')).toBe('mlp');
    expect(await page.inputValue('#batch')).toBe('32');
    expect(await page.inputValue('#norm-2')).toBe('group:2');
    expect(await page.textContent('#preset-info')).toMatch(/^mlp: 11 layers/);
    expect(await page.textContent('.run-0 .run-meta')).toMatch(/250 steps per epoch/);
    expect(await page.isHidden('#problems')).toBe(true);

    expect(errors).toEqual([]);
    await page.close();
  });

  test('bad values in a URL are refused visibly and the defaults used instead', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}#batch=999&lr=fast&preset=nope`);
    await waitFor('the problems box', () => page.isVisible('#problems'));
    const problems = await page.textContent('#problems');
    expect(problems).toContain('batch=999 must be from 1 to 256; using the default 64');
    expect(problems).toContain('lr=fast must be a number; using the default 0.05');
    await waitFor('the unknown preset to be refused', async () => /preset=nope is not one of this engine's presets/.test(await page.textContent('#problems')));
    await waitFor('the default runs built', async () => (await runs(page)).every((x) => x.status === 'ready'));
    expect(await page.inputValue('#batch')).toBe('64');
    expect(await page.inputValue('#preset')).toBe('tiny');
    expect(await page.evaluate(() => location.hash)).toContain('batch=64');

    // A bad value typed into a control is refused next to it and not used.
    await page.fill('#batch', '0');
    await page.press('#batch', 'Tab');
    expect(await page.textContent('#batch-error')).toMatch(/Batch size must be from 1 to 256; the value in use is still 64/);
    expect(await page.getAttribute('#batch', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => location.hash)).toContain('batch=64');
    await shot(page, 'url-problems-1440');

    // Editing the hash of an open page goes through the same checks.
    await page.evaluate(() => {
      location.hash = '#optimizer=rmsprop&batch=16';
    });
    await waitFor('the new problem', async () => /optimizer=rmsprop must be one of sgd, adam, adamw/.test(await page.textContent('#problems')));
    await waitFor('batch 16 applied', async () => (await page.inputValue('#batch')) === '16');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a diverging run stops with its message while the other keeps training', async () => {
    // tiny stays finite at lr 10 in this engine (cross-entropy saturates); mlp-relu without
    // a norm overflows within a few steps, with BatchNorm it trains on.
    const { page, errors } = await openPage(env.context, `${env.url}#preset=mlp-relu&lr=10&norms=none,batch`);
    await waitFor('run A to diverge', async () => (await runs(page))[0]?.status === 'diverged', { timeout: 60_000 });
    const message = await page.textContent('.run-0 .run-message');
    expect(message).toMatch(/Run A stopped at step \d+/);
    expect(message).toMatch(/learning rate 10 is too high for a network without normalization/);
    expect(message).toMatch(/training diverged at step \d+ .*layer/);
    const before = (await runs(page))[1].step;
    await waitFor('run B to keep training', async () => (await runs(page))[1].step > before + 50, { timeout: 30_000 });
    expect((await runs(page))[1].status).toBe('ready');
    expect(await page.isVisible('.run-1 .run-message')).toBe(false);
    await page.waitForTimeout(300);
    expect((await colouredPixels(page, '#chart-loss canvas'))[0]).toBeGreaterThan(50);
    await shot(page, 'divergence-1440');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a crashed worker shows an error with a restart button that brings the run back', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}#preset=mlp&epochs=0`);
    // Past the first evaluation (step 63 of mlp at batch 64), which comes with a checkpoint.
    await waitFor('both runs evaluated', async () => (await runs(page)).every((x) => x.step > 70 && x.accuracy !== null), { timeout: 60_000 });
    const workers = page.workers();
    expect(workers).toHaveLength(2);
    // An uncaught exception in one worker.
    await workers[0].evaluate(() => setTimeout(() => {
      throw new Error('simulated crash');
    }));
    const crashed = await waitFor('one run to be marked crashed', async () => {
      const i = (await runs(page)).findIndex((x) => x.status === 'crashed');
      return i >= 0 && { i };
    });
    const other = 1 - crashed.i;
    expect(await page.textContent(`.run-${crashed.i} .run-message`)).toContain('simulated crash');
    expect((await runs(page))[other].status).toBe('ready');
    await shot(page, 'crash-1440');
    const before = await colouredPixels(page, '#chart-loss canvas');
    await page.click(`.run-${crashed.i} .restart`);
    // The new worker resumes from the run's checkpoint; what was recorded stays on the page.
    await waitFor('the run to resume and train', async () => {
      const r = await runs(page);
      return r[crashed.i].status === 'ready' && r[crashed.i].step > 80;
    });
    expect(await page.textContent(`.run-${crashed.i} .run-message`)).toMatch(/resumed from its checkpoint at step \d+/);
    expect((await colouredPixels(page, '#chart-loss canvas'))[0]).toBeGreaterThanOrEqual(before[0] * 0.8);
    // The simulated crash is the only error.
    expect(errors.every((e) => e.includes('simulated crash'))).toBe(true);
    await page.close();
  });

  test('the small-batch experiment card loads its settings and reports the runs’ numbers', async () => {
    const { page, errors } = await openPage(env.context, env.url);
    await waitFor('default runs built', async () => (await runs(page)).every((x) => x.status === 'ready'));
    await page.click('#bn-vs-ln-small-batch-dense');
    await waitFor('the mlp runs training at batch 2', async () => {
      const r = await runs(page);
      return r.every((x) => x.status === 'ready' && x.step > 100);
    });
    expect(await page.inputValue('#preset')).toBe('mlp');
    expect(await page.inputValue('#batch')).toBe('2');
    expect(await page.inputValue('#optimizer')).toBe('adam');
    await waitFor('the findings to name the values per statistic', async () =>
      /In mlp at batch 2, each statistic of the first BatchNorm layer averages 2 values/.test(await page.textContent('#bn-vs-ln-small-batch-findings')));
    // First evaluation at half an epoch (2,000 steps of 2 digits).
    await waitFor('an evaluation in the findings', async () => /After [\d,]+ steps .*BatchNorm \d+\.\d% .*LayerNorm \d+\.\d%/s.test(await page.textContent('#bn-vs-ln-small-batch-findings')), { timeout: 90_000 });
    await shot(page, 'experiment-mlp-batch2-1440');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the page is readable at 375 px and in dark mode', async () => {
    const { page, errors } = await openPage(env.context, env.url, { width: 375, height: 800 });
    await waitFor('training', async () => (await runs(page)).every((x) => x.step > 60));
    // Nothing wider than the screen: no horizontal scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.waitForTimeout(300);
    await shot(page, 'default-375');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1440, height: 900 });
    await waitFor('an evaluation', async () => (await runs(page)).every((x) => x.accuracy !== null), { timeout: 60_000 });
    await page.waitForTimeout(500);
    await shot(page, 'dark-1440');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(21, 22, 24)');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('playground page with reduced motion', () => {
  test('it does not start training by itself, and Play starts it', async () => {
    const page = await env.context.newPage();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(env.url);
    await waitFor('runs built', async () => (await runs(page)).every((x) => x.status === 'ready'));
    await page.waitForTimeout(1500);
    expect((await runs(page)).map((x) => x.step)).toEqual([0, 0]);
    expect(await page.textContent('#play-state')).toBe('Paused.');
    await page.click('#play');
    await waitFor('training after Play', async () => (await runs(page)).every((x) => x.step > 5));
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('playground page without its engine', () => {
  test('a wasm file that fails to load is reported in every run panel', async () => {
    const broken = (route) => route.fulfill({ status: 404, body: 'not found' });
    await env.context.route('**/nl_simd.wasm', broken);
    await env.context.route('**/nl_scalar.wasm', broken);
    try {
      const { page } = await openPage(env.context, env.url);
      await waitFor('both runs to report the failure', async () => (await runs(page)).every((x) => x.status === 'failed'), { timeout: 30_000 });
      const message = await page.textContent('.run-0 .run-message');
      expect(message).toMatch(/Run A could not start/);
      expect(message).toMatch(/Could not load the engine or the digits/);
      expect(await page.textContent('#page-error')).toMatch(/The training engine did not load/);
      await shot(page, 'engine-missing-1440', false);
      await page.close();
    } finally {
      await env.context.unroute('**/nl_simd.wasm', broken);
      await env.context.unroute('**/nl_scalar.wasm', broken);
    }
  });
});
