// The embedding face in real headless Chromium under the strict CSP: the sample tutorial page
// (web/examples/normalization.html) with its three <normlab-playground> elements, and the
// compact #embed=1 layout at common article widths. Screenshots go to tests/e2e/screenshots/.
import { describe, expect, test } from 'vitest';
import { openPage, runs, shot, useServerAndBrowser, waitFor } from './browser.js';

const env = useServerAndBrowser();

describe('embedding', () => {
  test('the example page loads each element lazily and each one trains', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}web/examples/normalization.html`, { width: 870, height: 900 });
    const elements = await page.$$('normlab-playground');
    expect(elements).toHaveLength(3);
    // Lazy: the third element is far below the fold, so its iframe has no src yet.
    expect(await elements[2].$eval('iframe', (f) => f.getAttribute('src'))).toBeNull();

    for (const [i, el] of elements.entries()) {
      await el.scrollIntoViewIfNeeded();
      const src = await waitFor(`iframe ${i} to get its src`, () => el.$eval('iframe', (f) => f.getAttribute('src')));
      expect(src).toMatch(/#embed=1&/);
      // The second and third elements name experiments in their preset attribute.
      if (i > 0) expect(src).toMatch(/&experiment=bn-vs-ln-small-batch/);
      const frame = await waitFor(`iframe ${i} to load`, async () => {
        const f = await (await el.$('iframe')).contentFrame();
        return f && f.url().includes('embed=1') && f;
      });
      // Both runs of this element train on their own (no click): their step counts advance.
      const first = await waitFor(`element ${i}'s runs to start training`, async () => {
        const r = await runs(frame);
        return r.length === 2 && r.every((x) => x.step > 0) && r;
      }, { timeout: 60_000 });
      // (The experiments' elements train one epoch; a fast machine may finish it meanwhile.)
      await waitFor(`element ${i}'s runs to keep training`, async () => {
        const r = await runs(frame);
        return r.every((x, k) => x.step > first[k].step) || /^Finished/.test(await frame.textContent('#play-state'));
      }, { timeout: 30_000 });
      expect(await frame.isHidden('.page-header')).toBe(true);
      expect(await frame.isHidden('#experiments-title')).toBe(true);
      expect(await frame.isHidden('#problems')).toBe(true);
      if (i === 2) expect(await frame.inputValue('#preset')).toBe('mlp');
      await page.waitForTimeout(500);
      await shot(page, `example-element-${i}-870`, false);
    }
    // The first element is now far above the view: its page was told so and paused.
    const top = await (await elements[0].$('iframe')).contentFrame();
    await expect.poll(() => top.textContent('#play-state'), { timeout: 20_000 }).toBe('Paused.');
    const still = await waitFor('the off-screen runs to stop', async () => {
      const a = (await runs(top)).map((x) => x.step);
      await page.waitForTimeout(1000);
      const b = (await runs(top)).map((x) => x.step);
      return a.every((s, k) => s === b[k]) && b;
    }, { timeout: 20_000 });
    // Back in view, it plays again.
    await elements[0].scrollIntoViewIfNeeded();
    await waitFor('the first element to resume', async () => (await runs(top)).every((x, k) => x.step > still[k]), { timeout: 20_000 });
    await shot(page, 'example-page-870');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('#embed=1&controls=batch keeps only play/pause/step/reset and the batch size', async () => {
    const { page, errors } = await openPage(env.context, `${env.url}#embed=1&controls=batch&panels=loss,accuracy`, { width: 690, height: 480 });
    await waitFor('training', async () => (await runs(page)).every((x) => x.step > 0));
    for (const id of ['#play', '#step', '#reset', '#batch']) expect(await page.isVisible(id), id).toBe(true);
    for (const id of ['#preset', '#norm-0', '#lr', '#optimizer', '#momentum', '#seed', '#epochs', '.page-header', '.experiments', '#runs']) {
      expect(await page.isHidden(id), id).toBe(true);
    }
    expect(await page.isVisible('#chart-loss')).toBe(true);
    await shot(page, 'embed-controls-batch-690', false);
    for (const width of [375, 1050]) {
      await page.setViewportSize({ width, height: 640 });
      await page.waitForTimeout(400);
      await shot(page, `embed-controls-batch-${width}`, false);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  test('bad embed values are refused visibly, in the page and in the element', async () => {
    const { page } = await openPage(env.context, `${env.url}#embed=1&controls=batch,colour&panels=`, { width: 690, height: 480 });
    await expect.poll(() => page.textContent('#problems')).toMatch(/controls=batch,colour .*"colour" is not one of/);
    expect(await page.textContent('#problems')).toMatch(/panels= must list at least 1/);
    await shot(page, 'embed-bad-values-690', false);

    await page.goto(`${env.url}web/examples/normalization.html`);
    await page.evaluate(() => {
      const el = document.createElement('normlab-playground');
      el.id = 'bad';
      el.setAttribute('batch', '999');
      el.setAttribute('height', 'tall');
      document.querySelector('main').prepend(el);
    });
    const text = await page.textContent('#bad [role=alert]');
    expect(text).toMatch(/batch="999" must be from 1 to 256/);
    expect(text).toMatch(/height="tall"/);
    expect(await page.$('#bad iframe')).toBeNull();
    await page.close();
  });
});
