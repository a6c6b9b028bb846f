// Min/max decimation: reduces a SeriesTable-like {x, columns} to at most `maxPoints` rows for
// drawing, keeping each series' extremes so spikes (a diverging loss) stay visible. Rows are
// cut into buckets of consecutive indices; each bucket becomes two rows (its first and last
// x) and each series contributes its min and max there, in the order they occurred. A series
// with no value in a bucket gives nulls there (uPlot draws a gap). Output is plain arrays
// ready for uPlot.setData: [x, y0, y1, …].
export function decimate(x, columns, maxPoints) {
  const n = x.length;
  const out = [[], ...columns.map(() => [])];
  // Infinity cannot be drawn (it breaks the axis): like NaN, it leaves a gap.
  const val = (v) => (Number.isFinite(v) ? v : null);
  if (n <= maxPoints) {
    for (let i = 0; i < n; ++i) {
      out[0].push(x[i]);
      for (let s = 0; s < columns.length; ++s) out[s + 1].push(val(columns[s][i]));
    }
    return out;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  for (let b = 0; b < buckets; ++b) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets); // exclusive
    if (to <= from) continue;
    out[0].push(x[from], x[to - 1]);
    for (let s = 0; s < columns.length; ++s) {
      const c = columns[s];
      let lo = -1;
      let hi = -1;
      for (let i = from; i < to; ++i) {
        const v = c[i];
        if (!Number.isFinite(v)) continue;
        if (lo < 0 || v < c[lo]) lo = i;
        if (hi < 0 || v > c[hi]) hi = i;
      }
      if (lo < 0) out[s + 1].push(null, null);
      else if (lo <= hi) out[s + 1].push(c[lo], c[hi]);
      else out[s + 1].push(c[hi], c[lo]);
    }
  }
  return out;
}
