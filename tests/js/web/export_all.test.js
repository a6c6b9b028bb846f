// web/charts/export_all.js: a whole session as one JSON document and as a long CSV.
import { expect, test } from 'vitest';
import { SESSION_FORMAT, sessionCSV, sessionJSON } from '../../../web/charts/export_all.js';

const loss = {
  name: 'training loss',
  snapshot: {
    xLabel: 'training step',
    yLabel: 'loss',
    yLog: true,
    series: [
      { label: 'Run A: BatchNorm', color: '#0072B2', dash: [], run: 'A' },
      { label: 'Run B: LayerNorm', color: '#D55E00', dash: [10, 5], run: 'B' },
    ],
    x: [1, 2, 3],
    columns: [
      [2.3, 2.1, 1.9],
      [2.31, null, 2.0],
    ],
  },
};
const trainEval = {
  name: 'test accuracy',
  run: 'A',
  snapshot: {
    title: 'Run A: eval vs train mode',
    xLabel: 'training step',
    yLabel: 'test accuracy (%)',
    yLog: false,
    series: [
      { label: 'eval mode', color: '#0072B2', dash: [] },
      { label: 'train, mode', color: '#0072B2', dash: [3, 3] },
    ],
    x: [500, 1000],
    columns: [
      [91.5, 95.25],
      [90, null],
    ],
  },
};

test('JSON: every chart and series, with only the measured steps, and the caller’s metadata', () => {
  const doc = JSON.parse(sessionJSON([loss, trainEval], { url: 'http://example.test/#preset=tiny', engine: '0.1.0' }));
  expect(doc.format).toBe(SESSION_FORMAT);
  expect(doc.version).toBe(1);
  expect(doc.url).toBe('http://example.test/#preset=tiny');
  expect(doc.charts).toHaveLength(2);
  expect(doc.charts[0]).toMatchObject({ name: 'training loss', title: 'training loss', yLog: true, run: '' });
  expect(doc.charts[0].series[1]).toEqual({ label: 'Run B: LayerNorm', run: 'B', steps: [1, 3], values: [2.31, 2.0] });
  expect(doc.charts[1].title).toBe('Run A: eval vs train mode');
  expect(doc.charts[1].series.map((s) => [s.run, s.steps])).toEqual([
    ['A', [500, 1000]],
    ['A', [500]],
  ]);
});

test('long CSV: run, series, step, value; one line per measured value; fields quoted as needed', () => {
  const lines = sessionCSV([loss, trainEval]).split('\r\n');
  expect(lines[0]).toBe('run,series,step,value');
  expect(lines.slice(1, -1)).toEqual([
    'A,training loss: Run A: BatchNorm,1,2.3',
    'A,training loss: Run A: BatchNorm,2,2.1',
    'A,training loss: Run A: BatchNorm,3,1.9',
    'B,training loss: Run B: LayerNorm,1,2.31',
    'B,training loss: Run B: LayerNorm,3,2',
    'A,test accuracy: eval mode,500,91.5',
    'A,test accuracy: eval mode,1000,95.25',
    'A,"test accuracy: train, mode",500,90',
  ]);
  expect(lines.at(-1)).toBe('');
});

test('bad input names the chart', () => {
  expect(() => sessionCSV({})).toThrow(/must be an array/);
  expect(() => sessionJSON([{ snapshot: loss.snapshot }])).toThrow(/charts\[0\] needs a name/);
  const broken = { name: 'loss', snapshot: { ...loss.snapshot, columns: [[1, 2, 3]] } };
  expect(() => sessionCSV([loss, broken])).toThrow(/charts\[1\] \(loss\): snapshot has 2 series but 1 columns/);
});
