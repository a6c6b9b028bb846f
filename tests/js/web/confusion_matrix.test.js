// web/charts/confusion_matrix.js: the layout both renderers draw, its colours, its words.
import { describe, expect, test } from 'vitest';
import { confusionCSV, confusionLayout, confusionSummary, confusionSVG, luminance, rampColor } from '../../../web/charts/confusion_matrix.js';

// A plausible matrix: ~190 correct per digit, a few mistakes, 4 → 9 the most common.
function sample() {
  const m = new Int32Array(100);
  for (let d = 0; d < 10; ++d) m[d * 10 + d] = 190 + d;
  m[4 * 10 + 9] = 12;
  m[7 * 10 + 1] = 5;
  m[3 * 10 + 5] = 1;
  return m;
}

describe('colour scale', () => {
  test('each ramp changes lightness monotonically, the way its page needs', () => {
    for (const dark of [false, true]) {
      const l = Array.from({ length: 21 }, (_, k) => luminance(rampColor(k / 20, dark)));
      for (let k = 1; k < l.length; ++k) {
        if (dark) expect(l[k]).toBeGreaterThan(l[k - 1]);
        else expect(l[k]).toBeLessThan(l[k - 1]);
      }
    }
    expect(rampColor(0, false)).toBe('#f7fbff');
    expect(rampColor(1, false)).toBe('#08306b');
    expect(rampColor(2, true)).toBe(rampColor(1, true));
  });

  test('cells: log scale, so a single mistake is visible beside the diagonal; counts readable on their fill', () => {
    const layout = confusionLayout(sample());
    const cell = (t, p) => layout.cells[t * 10 + p];
    expect(cell(0, 0).text).toBe('190');
    expect(cell(4, 9).text).toBe('12');
    expect(cell(0, 1).fill).toBe('#ffffff'); // empty: the card colour
    expect(cell(3, 5).fill).not.toBe('#ffffff');
    expect(luminance(cell(3, 5).fill)).toBeLessThan(luminance('#ffffff') - 0.05);
    expect(luminance(cell(4, 9).fill)).toBeGreaterThan(luminance(cell(9, 9).fill));
    const dark = confusionLayout(sample(), { dark: true });
    for (const c of [...layout.cells, ...dark.cells]) {
      if (c.text === '0') continue;
      // WCAG contrast ratio of the count against its cell: at least 4.5.
      const [hi, lo] = [luminance(c.fill), luminance(c.textFill)].sort((a, b) => b - a);
      expect((hi + 0.05) / (lo + 0.05)).toBeGreaterThanOrEqual(4.5);
    }
    expect(layout.cells.filter((c) => c.diagonal)).toHaveLength(10);
  });

  test('dark pages get the dark ramp and the given theme colours', () => {
    const layout = confusionLayout(sample(), { dark: true, theme: { background: '#1f2124' } });
    expect(layout.background).toBe('#1f2124');
    expect(layout.cells[1].fill).toBe('#1f2124');
    expect(luminance(layout.cells[0].fill)).toBeGreaterThan(0.5); // the most frequent cells are the palest
  });
});

test('the summary gives the accuracy and the most common mistake', () => {
  const s = confusionSummary(sample());
  expect(s.total).toBe(1945 + 18);
  expect(s.correct).toBe(1945);
  expect(s.worst).toEqual({ label: 4, predicted: 9, count: 12 });
  expect(s.text).toBe('1,945 of 1,963 test digits classified correctly (99.1%). The most common mistake: a true 4 read as 9, 12 times.');
  expect(confusionSummary(new Int32Array(100)).text).toBe('No test digits classified yet.');
});

test('the SVG holds 100 cells with their counts, axis names and an accessible name', () => {
  const svg = confusionSVG(confusionLayout(sample()), { title: 'Run A <BatchNorm>', description: 'x & y' });
  expect(svg.match(/<rect /g)).toHaveLength(1 + 100 + 10); // background, cells, diagonal outlines
  expect(svg).toContain('>predicted digit</text>');
  expect(svg).toContain('>true digit</text>');
  expect(svg).toContain('>12</text>');
  expect(svg).toContain('aria-label="Run A &lt;BatchNorm&gt;. x &amp; y"');
  expect(svg).toContain('<title>Run A &lt;BatchNorm&gt;</title>');
  expect(svg).not.toMatch(/style=/); // the page's CSP forbids inline styles
});

test('a title (for exported files) goes on top and moves the matrix down', () => {
  const plain = confusionLayout(sample());
  const titled = confusionLayout(sample(), { title: 'Run A: BatchNorm' });
  expect(titled.height - plain.height).toBe(28);
  expect(titled.cells[0].y - plain.cells[0].y).toBe(28);
  expect(titled.labels.find((l) => l.text === 'Run A: BatchNorm')).toMatchObject({ size: 15, anchor: 'start' });
  expect(plain.labels.some((l) => l.size === 15)).toBe(false);
});

test('CSV: one row per true digit', () => {
  const lines = confusionCSV(sample()).trim().split('\r\n');
  expect(lines).toHaveLength(11);
  expect(lines[0]).toBe('true \\ predicted,0,1,2,3,4,5,6,7,8,9');
  expect(lines[5]).toBe('4,0,0,0,0,194,0,0,0,0,12');
});

test('bad counts are refused with the cell named', () => {
  expect(() => confusionLayout(new Int32Array(99))).toThrow(/needs 100 counts, got 99/);
  const m = sample();
  const bad = Array.from(m);
  bad[23] = -1;
  expect(() => confusionSummary(bad)).toThrow(/\[true 2, predicted 3\] must be a non-negative integer, got -1/);
  bad[23] = 1.5;
  expect(() => confusionSummary(bad)).toThrow(/got 1.5/);
});
