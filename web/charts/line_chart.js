// A line chart over steps, wrapping uPlot: constructor(el, opts), append(rows), reset().
// Data lives in a SeriesTable; drawing happens at most once per animation frame, from a
// min/max-decimated copy of at most ~2 points per pixel, so 10^5 rows stay responsive.
// A chart is drawn only while shown near the viewport (web/charts/visibility.js).
//   opts: {xLabel, yLabel, series: [{label, color, dash?, width?, points?, line?, run?}], height?, yLog?,
//          yFormat?(v) → string, yRange?(min, max) → [lo, hi], bands?: [{upper, lower, fill}],
//          legend? (default true), title? (only for snapshots), xLog2? (a base-2 log x axis,
//          e.g. batch sizes)}
// Series indices in `bands` count from 0 (the first y series).
// snapshot() returns ALL the data (not the decimated copy) for tables and exports
// (web/charts/export.js); `canvas` is the canvas uPlot draws on (null once destroyed).
import uPlot from '../vendor/uPlot.esm.js';
import { decimate } from './decimate.js';
import { SeriesTable } from './series_table.js';
import { formatNumber, formatTicks } from './ticks.js';
import { observeShown } from './visibility.js';

const LOG_MIN = 1e-15;
const LOG_MAX = 1e15;

function themeColors() {
  const css = getComputedStyle(document.documentElement);
  const read = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return { text: read('--fg-muted', '#555'), grid: read('--grid', '#e3e3e3') };
}

// y range for percentages: a little room around the data, clamped to 0–100%; the whole
// 0–100% before there is any data.
export function percentRange(min, max) {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min === null || max === null) return [0, 100];
  return [Math.max(0, Math.floor(min - 2)), Math.min(100, Math.ceil(max + 1))];
}

export class LineChart {
  #el;
  #opts;
  #table;
  #plot = null;
  #frame = 0;
  #resize;
  #shown = false; // near the viewport and not inside a hidden view, as observeShown reports
  #stale = true; // the plot must be (re)built before it shows anything
  #visibility;

  constructor(el, opts) {
    this.#el = el;
    this.#opts = { ...opts, height: opts.height ?? 220, legend: opts.legend ?? true };
    this.#table = new SeriesTable(this.#opts.series.length);
    this.#resize = new ResizeObserver(() => this.#fit());
    this.#resize.observe(el);
    this.#visibility = observeShown(el, (shown) => {
      this.#shown = shown;
      if (shown) this.#schedule();
    });
  }

  get rowCount() {
    return this.#table.length;
  }

  // rows: [[x, y0, y1, …], …]; null leaves a series' value at that x unset.
  append(rows) {
    for (const row of rows) this.#table.upsert(row);
    this.#schedule();
  }

  // Clears all data; with `series`, also replaces the series (e.g. a new channel count).
  reset(series) {
    if (series) {
      this.#opts = { ...this.#opts, series };
      this.#table = new SeriesTable(series.length);
      this.#stale = true;
    } else {
      this.#table.clear();
    }
    // A drawn plot is redrawn at once, shown or not: no canvas keeps the lines of a run
    // that was reset. One never drawn waits until it shows.
    if (this.#plot) this.#draw();
    else this.#schedule();
  }

  // {title?, xLabel, yLabel, yLog, series: [{label, color, dash, width?, points?, run?}], x,
  // columns (one per series; null where a series has no value), bands?}: plain arrays, a copy.
  snapshot() {
    const o = this.#opts;
    const t = this.#table;
    const optional = (key, v) => (v === undefined || v === false ? {} : { [key]: v });
    return {
      ...optional('title', o.title),
      xLabel: o.xLabel,
      yLabel: o.yLabel,
      yLog: !!o.yLog,
      series: o.series.map((s) => ({
        label: s.label,
        color: s.color,
        dash: s.dash ?? [],
        ...optional('width', s.width),
        ...optional('points', s.points),
        ...optional('run', s.run),
      })),
      x: Array.from(t.x),
      columns: o.series.map((_, i) => Array.from(t.column(i), (v) => (Number.isNaN(v) ? null : v))),
      ...optional('bands', o.bands?.length ? o.bands.map((b) => ({ ...b })) : undefined),
    };
  }

  get canvas() {
    if (this.#stale) this.#draw();
    return this.#plot?.ctx.canvas ?? null;
  }

  clearSeries(i) {
    this.#table.clearSeries(i);
    this.#schedule();
  }

  // Rebuilds with the current colour scheme's axis colours; `patch` may replace any option
  // except the number of series (e.g. series colours, band fills).
  restyle(patch = {}) {
    this.#opts = { ...this.#opts, ...patch };
    this.#stale = true;
    this.#schedule();
  }

  destroy() {
    cancelAnimationFrame(this.#frame);
    this.#resize.disconnect();
    this.#visibility.disconnect();
    this.#plot?.destroy();
    this.#plot = null;
  }

  #size() {
    return { width: Math.max(200, Math.floor(this.#el.clientWidth || 300)), height: this.#opts.height };
  }

  #fit() {
    if (!this.#plot) return;
    const { width, height } = this.#size();
    if (width !== this.#plot.width) {
      this.#plot.setSize({ width, height });
      this.#schedule();
    }
  }

  #build() {
    this.#plot?.destroy();
    const o = this.#opts;
    const { text, grid } = themeColors();
    const axis = (label, extra = {}) => ({
      label,
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      font: '12px system-ui, sans-serif',
      labelFont: '12px system-ui, sans-serif',
      ...extra,
    });
    const yFormat = o.yFormat ?? formatNumber;
    const options = {
      ...this.#size(),
      legend: { show: o.legend, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, ...(o.xLog2 ? { distr: 3, log: 2 } : {}) },
        y: {
          ...(o.yLog ? { distr: 3 } : {}),
          ...(o.yRange ? { range: (u, min, max) => o.yRange(min, max) } : {}),
        },
      },
      axes: [axis(o.xLabel), axis(o.yLabel, { size: 56, values: (u, splits) => (o.yFormat ? splits.map((v) => (v == null ? '' : o.yFormat(v))) : o.yLog ? splits.map((v) => (v == null ? '' : formatNumber(v))) : formatTicks(splits)) })],
      series: [
        { label: o.xLabel, value: (u, v) => (v == null ? '–' : String(Math.round(v))) },
        ...o.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash ?? [],
          // Sparse series (evaluations every half epoch) need their points drawn: a single
          // evaluation has no line to show.
          points: s.points ? { show: true, size: 6, width: 1.5, fill: s.color, stroke: s.color } : { show: false },
          spanGaps: true,
          // line: false draws the points alone (measurements that are not a time series).
          ...(s.line === false ? { paths: () => null } : {}),
          value: (u, v) => (v == null ? '–' : yFormat(v)),
        })),
      ],
      bands: (o.bands ?? []).map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: b.fill })),
    };
    this.#plot = new uPlot(options, this.#data(), this.#el);
  }

  #data() {
    const t = this.#table;
    const maxPoints = Math.max(100, 2 * this.#size().width);
    let cols = Array.from({ length: t.seriesCount }, (_, i) => t.column(i));
    // A log axis has no place for 0 or negative values (gaps). uPlot's log ticks loop forever
    // below about 1e-16 and above 1e32, and a diverging run or a vanishing gradient gets
    // there: such values are drawn at the edge of [1e-15, 1e15] (tables and exports keep them).
    if (this.#opts.yLog) cols = cols.map((c) => c.map((v) => (v > 0 ? Math.min(LOG_MAX, Math.max(LOG_MIN, v)) : NaN)));
    return decimate(t.x, cols, maxPoints);
  }

  #schedule() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      if (this.#shown) this.#draw();
    });
  }

  #draw() {
    if (this.#stale) this.#build();
    else this.#plot?.setData(this.#data());
    this.#stale = false;
  }
}
