// web/charts/: the table charts hold (SeriesTable), its min/max decimation, loss smoothing and tick labels.
import { describe, expect, test } from 'vitest';
import { decimate } from '../../../web/charts/decimate.js';
import { SeriesTable } from '../../../web/charts/series_table.js';
import { Smoother } from '../../../web/charts/smooth.js';
import { formatNumber, formatTicks } from '../../../web/charts/ticks.js';

// Deterministic noise in [-1, 1).
function noise(n, seed) {
  const a = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; ++i) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = (s / 2147483648) * 2 - 1;
  }
  return a;
}

describe('decimate', () => {
  test('infinite values leave gaps like NaN, so an overflowing run cannot break the axis', () => {
    expect(decimate([0, 1, 2], [new Float64Array([Infinity, 3, -Infinity])], 100)).toEqual([[0, 1, 2], [null, 3, null]]);
    const many = Float64Array.from({ length: 1000 }, (_, k) => (k === 500 ? Infinity : k));
    const out = decimate(Array.from({ length: 1000 }, (_, k) => k), [many], 100);
    expect(out[1].every((v) => v === null || Number.isFinite(v))).toBe(true);
  });

  test('short series come back unchanged, with NaN as null', () => {
    const out = decimate([0, 1, 2], [new Float64Array([5, NaN, 7])], 100);
    expect(out).toEqual([[0, 1, 2], [5, null, 7]]);
  });

  test('10^5 rows shrink to at most maxPoints and keep every series’ extremes and ends', () => {
    const n = 100000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const a = noise(n, 1);
    const b = noise(n, 2);
    a[31337] = 50; // a spike, e.g. a diverging loss
    b[77] = -40;
    const out = decimate(x, [a, b], 1000);
    expect(out[0].length).toBeLessThanOrEqual(1000);
    expect(out[0].length).toBeGreaterThanOrEqual(900);
    expect(out[1]).toHaveLength(out[0].length);
    expect(Math.max(...out[1])).toBe(50);
    expect(Math.min(...out[2])).toBe(-40);
    expect(Math.min(...out[1])).toBe(Math.min(...a));
    expect(out[0][0]).toBe(0);
    expect(out[0][out[0].length - 1]).toBe(n - 1);
    for (let i = 1; i < out[0].length; ++i) expect(out[0][i]).toBeGreaterThanOrEqual(out[0][i - 1]);
  });

  test('a bucket keeps its min and max in the order they occurred', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const y = new Float64Array([0, 9, 1, 2, 3, 8, -9, 5]);
    // 2 buckets of 4 rows: [0, 9, 1, 2] → min 0 comes first, then max 9;
    // [3, 8, −9, 5] → max 8 comes first, then min −9.
    expect(decimate(x, [y], 4)).toEqual([[0, 3, 4, 7], [0, 9, 8, -9]]);
  });

  test('a series with no values in a bucket gives a gap there', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const y = new Float64Array([1, 4, 2, 3, NaN, NaN, NaN, NaN]);
    // 2 buckets of 4 rows: the first has values 1…4, the second none.
    expect(decimate(x, [y], 4)).toEqual([[0, 3, 4, 7], [1, 4, null, null]]);
  });
});

describe('SeriesTable', () => {
  test('rows from two runs at the same step share one row', () => {
    const t = new SeriesTable(2, 2);
    t.upsert([0, 1, null]);
    t.upsert([1, 2, null]);
    t.upsert([0, null, 10]);
    t.upsert([1, null, 20]);
    t.upsert([2, null, 30]);
    expect(Array.from(t.x)).toEqual([0, 1, 2]);
    expect(Array.from(t.column(0))).toEqual([1, 2, NaN]);
    expect(Array.from(t.column(1))).toEqual([10, 20, 30]);
  });

  test('a late row is inserted in order and the table grows past its capacity', () => {
    const t = new SeriesTable(1, 1);
    for (const x of [0, 2, 4, 3, 1]) t.upsert([x, x * 10]);
    expect(Array.from(t.x)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(t.column(0))).toEqual([0, 10, 20, 30, 40]);
  });

  test('clearSeries forgets one series and drops rows left empty', () => {
    const t = new SeriesTable(2);
    t.upsert([0, 1, 5]);
    t.upsert([1, 2, null]);
    t.upsert([2, null, 6]);
    t.clearSeries(0);
    expect(Array.from(t.x)).toEqual([0, 2]);
    expect(Array.from(t.column(1))).toEqual([5, 6]);
    t.clear();
    expect(t.length).toBe(0);
  });
});

describe('Smoother', () => {
  test('a constant input stays constant from the first value (bias corrected)', () => {
    const s = new Smoother(0.95);
    for (let i = 0; i < 5; ++i) expect(s.push(2.5)).toBeCloseTo(2.5, 12);
  });

  test('it follows the debiased exponential moving average', () => {
    const s = new Smoother(0.5);
    expect(s.push(4)).toBe(4);
    // avg = 0.5·2 + 0.5·0 = 1 after 4 then 0 → (0.5·(0.5·4) + 0.5·0) / (1 − 0.25)
    expect(s.push(0)).toBeCloseTo(1 / 0.75, 12);
  });

  test('non-finite values pass through and do not poison the average', () => {
    const s = new Smoother(0.9);
    s.push(1);
    expect(s.push(Infinity)).toBe(Infinity);
    expect(s.push(1)).toBeCloseTo(1, 12);
  });
});

describe('tick labels', () => {
  test('as many decimals as the tick spacing needs, and no more', () => {
    expect(formatTicks([0.998, 0.999, 1, 1.001, 1.002])).toEqual(['0.998', '0.999', '1', '1.001', '1.002']);
    expect(formatTicks([0, 25, 50, 75, 100])).toEqual(['0', '25', '50', '75', '100']);
    expect(formatTicks([-0.4, -0.2, 0, 0.2, null])).toEqual(['-0.4', '-0.2', '0', '0.2', '']);
  });
  test('huge or tiny values keep the short exponent form', () => {
    expect(formatTicks([1e6, 2e6])).toEqual(['1e+6', '2e+6']);
    expect(formatNumber(3.2e7)).toBe('3e+7');
    expect(formatNumber(0.25)).toBe('0.25');
  });
});
