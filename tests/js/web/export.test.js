// web/charts/export.js and table_view.js: a chart's data as CSV, JSON, a standalone SVG and a table.
import { describe, expect, test } from 'vitest';
import { csvField, fileSlug, formatStep, formatTick, logTicks, niceTicks, toCSV, toJSON, toSVG } from '../../../web/charts/export.js';
import { evenlySpaced, formatCell, tableModel } from '../../../web/charts/table_view.js';

// A strict little XML parser (Vitest runs without a DOM): elements, attributes in quotes,
// text with the five named entities and numeric ones, comments, an XML declaration. Anything
// else (an unclosed tag, a stray '<' or '&', a duplicate attribute) throws.
function parseXML(src) {
  let i = 0;
  const fail = (what) => {
    throw new Error(`XML: ${what} at offset ${i}: ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const entity = (text) =>
    text.replace(/&([^;]*);|&/g, (m, name) => {
      if (name === undefined) fail('bare &');
      const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[name];
      if (named) return named;
      const num = /^#(x[0-9a-f]+|[0-9]+)$/i.exec(name);
      if (!num) fail(`unknown entity &${name};`);
      return String.fromCodePoint(num[1][0] === 'x' ? parseInt(num[1].slice(1), 16) : Number(num[1]));
    });
  const skipSpace = () => {
    while (/\s/.test(src[i] ?? '')) ++i;
  };
  function element() {
    if (src[i] !== '<') fail('expected <');
    ++i;
    const name = /^[A-Za-z_][\w.:-]*/.exec(src.slice(i))?.[0] ?? fail('bad tag name');
    i += name.length;
    const attrs = {};
    for (;;) {
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [] };
      }
      if (src[i] === '>') {
        ++i;
        break;
      }
      const m = /^([A-Za-z_][\w.:-]*)\s*=\s*"([^"<]*)"/.exec(src.slice(i)) ?? fail('bad attribute');
      if (m[1] in attrs) fail(`duplicate attribute ${m[1]}`);
      attrs[m[1]] = entity(m[2]);
      i += m[0].length;
    }
    const children = [];
    for (;;) {
      if (i >= src.length) fail(`unclosed <${name}>`);
      if (src.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!src.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return { name, attrs, children };
      }
      if (src.startsWith('<!--', i)) {
        i = src.indexOf('-->', i) + 3;
        if (i < 3) fail('unclosed comment');
      } else if (src[i] === '<') children.push(element());
      else {
        const end = src.indexOf('<', i);
        children.push(entity(src.slice(i, end < 0 ? src.length : end)));
        i = end < 0 ? src.length : end;
      }
    }
  }
  if (src.startsWith('<?xml')) i = src.indexOf('?>') + 2;
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== src.length) fail('content after the root element');
  return root;
}

const all = (node, name, out = []) => {
  if (typeof node === 'string') return out;
  if (node.name === name) out.push(node);
  for (const c of node.children) all(c, name, out);
  return out;
};
const textOf = (node) => (typeof node === 'string' ? node : node.children.map(textOf).join(''));

function snapshot(overrides = {}) {
  return {
    title: 'Training loss',
    xLabel: 'training step',
    yLabel: 'loss',
    yLog: false,
    series: [
      { label: 'Run A: BatchNorm', color: '#0072B2', dash: [] },
      { label: 'Run B: LayerNorm', color: '#D55E00', dash: [10, 5] },
    ],
    x: [0, 1, 2, 3],
    columns: [
      [2.3, 1.5, null, 0.9],
      [2.31, null, 1.2, 1.0],
    ],
    ...overrides,
  };
}

describe('the XML checker used below', () => {
  test('rejects what a real XML parser rejects', () => {
    expect(() => parseXML('<a><b></a>')).toThrow(/expected <\/b>/);
    expect(() => parseXML('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXML('<a>1 < 2</a>')).toThrow();
    expect(() => parseXML('<a>R&D</a>')).toThrow(/bare &/);
    expect(() => parseXML('<a x=1/>')).toThrow(/bad attribute/);
    expect(textOf(parseXML('<a>&lt;b&gt; &amp; &#233;</a>'))).toBe('<b> & é');
  });
});

describe('toSVG', () => {
  test('is well-formed XML: an <svg> with a size, a background, one path per series and a legend', () => {
    const svg = toSVG(snapshot(), { width: 600, height: 300 });
    const root = parseXML(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.viewBox).toBe('0 0 600 300');
    const paths = all(root, 'path');
    expect(paths).toHaveLength(2);
    expect(paths.map((p) => p.attrs.stroke)).toEqual(['#0072B2', '#D55E00']);
    expect(paths[0].attrs['stroke-dasharray']).toBeUndefined();
    expect(paths[1].attrs['stroke-dasharray']).toBe('10 5');
    const texts = all(root, 'text').map(textOf);
    for (const t of ['Training loss', 'training step', 'loss', 'Run A: BatchNorm', 'Run B: LayerNorm']) expect(texts).toContain(t);
    // The legend keys carry the dash patterns too, so the runs differ without colour.
    const keys = all(root, 'line').filter((l) => l.attrs.stroke === '#D55E00');
    expect(keys).toHaveLength(1);
    expect(keys[0].attrs['stroke-dasharray']).toBe('10 5');
  });

  test('lines span missing values, as on screen: each series has as many points as values', () => {
    const root = parseXML(toSVG(snapshot()));
    const [a, b] = all(root, 'path').map((p) => p.attrs.d);
    expect(a.match(/[ML]/g)).toHaveLength(3);
    expect(b.match(/[ML]/g)).toHaveLength(3);
    expect(a.startsWith('M')).toBe(true);
  });

  test('labels are escaped', () => {
    const s = snapshot({ title: 'a <b> & "c"', series: [{ label: "x<y & 'z'", color: '#000000', dash: [] }], columns: [[1, 2, 3, 4]] });
    const root = parseXML(toSVG(s));
    const texts = all(root, 'text').map(textOf);
    expect(texts).toContain('a <b> & "c"');
    expect(texts).toContain("x<y & 'z'");
    expect(root.attrs['aria-label']).toContain('a <b> & "c"');
  });

  test('10^5 steps are decimated to at most 2 points per pixel, keeping a spike', () => {
    const n = 100000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => 1 + Math.sin(i / 50) * 0.1);
    y[54321] = 40;
    const svg = toSVG(snapshot({ x, columns: [y, y.map((v) => v / 2)] }), { width: 500, height: 300 });
    const root = parseXML(svg);
    const d = all(root, 'path')[0].attrs.d;
    const points = d.split(/[ML]/).filter(Boolean).map((p) => p.split(' ').map(Number));
    expect(points.length).toBeLessThanOrEqual(2 * 500);
    expect(points.length).toBeGreaterThan(500);
    // The spike is the highest point: the smallest y coordinate, at the plot's top edge.
    const top = Math.min(...points.map((p) => p[1]));
    const rect = all(root, 'rect').find((r) => r.attrs.fill === 'none');
    expect(top).toBeLessThan(Number(rect.attrs.y) + 0.05 * Number(rect.attrs.height));
  });

  test('a log axis has decade ticks and skips values ≤ 0', () => {
    const s = snapshot({ yLog: true, columns: [[2.3, 0.5, 0, 0.02], [1, null, -1, 0.1]] });
    const root = parseXML(toSVG(s));
    const labels = all(root, 'text').map(textOf);
    for (const t of ['0.01', '0.1', '1', '10']) expect(labels).toContain(t);
    const [a, b] = all(root, 'path').map((p) => p.attrs.d);
    expect(a.match(/[ML]/g)).toHaveLength(3); // 0 is dropped
    expect(b.match(/[ML]/g)).toHaveLength(2); // −1 is dropped
    // Equal ratios get equal distances: 2.3 → 0.5 → 0.02 on a log scale.
    const ys = a.split(/[ML]/).filter(Boolean).map((p) => Number(p.split(' ')[1]));
    const perDecade = (ys[2] - ys[0]) / Math.log10(2.3 / 0.02);
    expect((ys[1] - ys[0]) / Math.log10(2.3 / 0.5)).toBeCloseTo(perDecade, 1);
  });

  test('no data still gives a valid, empty chart; dark uses the dark colours', () => {
    const root = parseXML(toSVG(snapshot({ x: [], columns: [[], []] }), { dark: true }));
    expect(all(root, 'path').map((p) => p.attrs.d)).toEqual(['', '']);
    expect(all(root, 'rect')[0].attrs.fill).toBe('#1f2124');
  });

  test('a band is filled between its two series', () => {
    const s = snapshot({ bands: [{ upper: 0, lower: 1, fill: 'rgba(0, 114, 178, 0.18)' }], columns: [[3, 3, 3, 3], [1, 1, 1, 1]] });
    const root = parseXML(toSVG(s));
    const fills = all(root, 'path').filter((p) => p.attrs.fill === 'rgba(0, 114, 178, 0.18)');
    expect(fills).toHaveLength(1);
    expect(fills[0].attrs.d.endsWith('Z')).toBe(true);
    expect(all(root, 'path')).toHaveLength(3);
  });

  test('refuses a snapshot whose columns do not match', () => {
    expect(() => toSVG(snapshot({ columns: [[1]] }))).toThrow(/2 series but 1 columns/);
    expect(() => toSVG(snapshot({ columns: [[1], [2]] }))).toThrow(/column 0 \(Run A: BatchNorm\) has 1 values for 4 steps/);
    expect(() => toSVG({})).toThrow(/needs series, x and columns/);
  });
});

describe('ticks', () => {
  test('nice linear ticks fall on 1, 2, 5 × 10^k inside the range', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.13, 0.91, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(-3, 3, 6)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });
  test('log ticks: decades, with 2 and 5 between few of them', () => {
    expect(logTicks(0.01, 10)).toEqual([0.01, 0.1, 1, 10]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1e-8, 1e8).length).toBeLessThanOrEqual(9);
  });
  test('labels stay short', () => {
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(2e6)).toBe('2e6');
    expect(formatTick(1e-4)).toBe('1e-4');
    expect(formatStep(100000)).toBe('100,000');
    expect(formatStep(2.5)).toBe('2.5');
  });
});

describe('toCSV and toJSON', () => {
  test('CSV: a header, one line per step, empty where not measured', () => {
    expect(toCSV(snapshot())).toBe(
      'training step,Run A: BatchNorm,Run B: LayerNorm\r\n0,2.3,2.31\r\n1,1.5,\r\n2,,1.2\r\n3,0.9,1\r\n',
    );
  });
  test('CSV fields with separators, quotes or line breaks are quoted', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(toCSV(snapshot({ xLabel: 'step, global' })).split('\r\n')[0]).toBe('"step, global",Run A: BatchNorm,Run B: LayerNorm');
  });
  test('JSON round-trips, with null for missing values', () => {
    const back = JSON.parse(toJSON(snapshot()));
    expect(back).toEqual(snapshot());
    expect(back.columns[0][2]).toBeNull();
  });
  test('file names are slugs', () => {
    expect(fileSlug('Run A: test accuracy (eval vs train)')).toBe('run-a-test-accuracy-eval-vs-train');
    expect(fileSlug('…')).toBe('chart');
  });
});

describe('table view', () => {
  test('evenly spaced rows, first and last included', () => {
    expect(evenlySpaced(5, 40)).toEqual([0, 1, 2, 3, 4]);
    expect(evenlySpaced(101, 5)).toEqual([0, 25, 50, 75, 100]);
    const picked = evenlySpaced(100000, 40);
    expect(picked).toHaveLength(40);
    expect(picked[0]).toBe(0);
    expect(picked[39]).toBe(99999);
    const gaps = picked.slice(1).map((v, k) => v - picked[k]);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
  });

  test('at most 40 rows of a long run, with the last step, numbers formatted', () => {
    const n = 5000;
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const m = tableModel(snapshot({ x, columns: [x.map((i) => 1 / i), x.map(() => null)] }));
    expect(m.rows).toHaveLength(40);
    expect(m.total).toBe(n);
    expect(m.head).toEqual(['training step', 'Run A: BatchNorm', 'Run B: LayerNorm']);
    expect(m.rows[0]).toEqual(['1', '1', '–']);
    expect(m.rows[39]).toEqual(['5000', '2e-4', '–']);
    expect(m.rows[20]).toEqual(['2565', '3.899e-4', '–']); // row 2564 = round(20 × 4999 / 39)
    expect(m.caption).toBe('Training loss: 40 of 5000 recorded steps, evenly spaced, with the last.');
  });

  test('steps where nothing was measured are left out; an empty chart says so', () => {
    const m = tableModel(snapshot({ columns: [[1, null, null, 2], [null, null, null, null]] }));
    expect(m.rows.map((r) => r[0])).toEqual(['0', '3']);
    expect(tableModel(snapshot({ x: [], columns: [[], []] })).caption).toBe('Training loss: no values recorded yet.');
  });

  test('cells: 4 significant digits, exponents when tiny or huge', () => {
    expect(formatCell(0.123456)).toBe('0.1235');
    expect(formatCell(97.25)).toBe('97.25');
    expect(formatCell(1234.5678)).toBe('1235');
    expect(formatCell(1.5e-5)).toBe('1.5e-5');
    expect(formatCell(3.25e7 + 0.5)).toBe('3.25e7');
    expect(formatCell(120)).toBe('120');
    expect(formatCell(30000000)).toBe('30000000'); // whole numbers (steps, counts) in full
    expect(formatCell(null)).toBe('–');
    expect(formatCell(Infinity)).toBe('∞');
  });
});
