// A chart's numbers as a table, for screen readers and for people who prefer numbers.
//   tableModel(snapshot, maxRows = 40) (pure) → {caption, head, rows, shown, total}: the
//     snapshot's steps that hold any value, at most maxRows of them, evenly spaced and always
//     with the last; values formatted to 4 significant digits, '–' where a series was not
//     measured at that step.
//   renderTable(snapshot, {maxRows, caption}) → a <table> element built from that model.
// snapshot: a LineChart snapshot (see export.js).
import { checkSnapshot } from './export.js';

export const NOT_MEASURED = '–';

export function formatCell(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return NOT_MEASURED;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(+v.toPrecision(4));
}

// Indices of `count` rows evenly spaced over `n`, the first and the last included.
export function evenlySpaced(n, count) {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  if (count <= 1) return [n - 1];
  const picked = new Set();
  for (let k = 0; k < count; ++k) picked.add(Math.round((k * (n - 1)) / (count - 1)));
  return [...picked].sort((a, b) => a - b);
}

export function tableModel(snapshot, maxRows = 40) {
  checkSnapshot(snapshot);
  const filled = [];
  for (let i = 0; i < snapshot.x.length; ++i) {
    if (snapshot.columns.some((c) => c[i] !== null && !Number.isNaN(c[i]))) filled.push(i);
  }
  const picked = evenlySpaced(filled.length, maxRows).map((k) => filled[k]);
  const what = snapshot.title ?? `${snapshot.yLabel} against ${snapshot.xLabel}`;
  const caption =
    filled.length === 0
      ? `${what}: no values recorded yet.`
      : picked.length < filled.length
        ? `${what}: ${picked.length} of ${filled.length} recorded steps, evenly spaced, with the last.`
        : `${what}: all ${filled.length} recorded steps.`;
  return {
    caption,
    head: [snapshot.xLabel, ...snapshot.series.map((s) => s.label)],
    rows: picked.map((i) => [formatCell(snapshot.x[i]), ...snapshot.columns.map((c) => formatCell(c[i]))]),
    shown: picked.length,
    total: filled.length,
  };
}

export function renderTable(snapshot, { maxRows = 40, caption } = {}) {
  const model = tableModel(snapshot, maxRows);
  const table = document.createElement('table');
  table.className = 'data-table';
  const cap = table.createCaption();
  cap.textContent = caption ? `${caption} ${model.caption}` : model.caption;
  const headRow = table.createTHead().insertRow();
  for (const label of model.head) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    headRow.append(th);
  }
  const body = table.createTBody();
  for (const row of model.rows) {
    const tr = body.insertRow();
    row.forEach((cell, j) => {
      const el = document.createElement(j === 0 ? 'th' : 'td');
      if (j === 0) el.scope = 'row';
      el.textContent = cell;
      if (cell === NOT_MEASURED) el.title = 'not measured at this step';
      tr.append(el);
    });
  }
  return table;
}
