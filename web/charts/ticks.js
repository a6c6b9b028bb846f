// Number labels of the charts' axes and legends (pure).
// Short tick and legend labels: 0.25, 1.5, 120, 3e+7 (a diverging loss must not widen the axis).
export function formatNumber(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

// Tick labels with as many decimals as the spacing between ticks needs, so that ticks 0.998,
// 1, 1.002 do not all read "1". Falls back to formatNumber for huge, tiny or log-spaced ticks.
export function formatTicks(splits) {
  const values = splits.filter((v) => v != null);
  const gaps = values.slice(1).map((v, i) => Math.abs(v - values[i])).filter((g) => g > 0);
  const step = gaps.length ? Math.min(...gaps) : 0;
  const big = Math.max(...values.map(Math.abs), 0);
  if (!step || big >= 1e5 || step < 1e-6 || big / step > 1e4) return splits.map((v) => (v == null ? '' : formatNumber(v)));
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return splits.map((v) => (v == null ? '' : String(+v.toFixed(decimals))));
}
