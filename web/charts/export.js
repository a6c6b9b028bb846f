// A chart's data leaves the page: toCSV, toJSON and toSVG turn a LineChart snapshot into text
// (pure, no DOM); toPNG and download hand files to the browser.
//   snapshot: {title?, xLabel, yLabel, yLog, series: [{label, color, dash, run?, points?}],
//              x: number[], columns: number[][] (one per series, null where not measured),
//              bands?: [{upper, lower, fill}]}   (LineChart.snapshot())
// toSVG draws a standalone SVG like the chart on screen: axes, ticks, labels, a legend with
// each series' colour and dash pattern, a log y axis when yLog; lines span missing values as
// the chart does, and are min/max-decimated to at most 2 points per pixel of plot width.
import { decimate } from './decimate.js';

const XML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export function escapeXML(text) {
  return String(text).replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

// One CSV field: quoted when it holds a separator, a quote or a line break.
export function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// "Run A: BatchNorm" → "run-a-batchnorm": a file name part that every OS accepts.
export function fileSlug(name) {
  const slug = String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug || 'chart';
}

export function checkSnapshot(s) {
  if (!s || !Array.isArray(s.series) || !s.x || !Array.isArray(s.columns)) {
    throw new TypeError('a chart snapshot needs series, x and columns (see LineChart.snapshot())');
  }
  if (s.columns.length !== s.series.length) {
    throw new RangeError(`snapshot has ${s.series.length} series but ${s.columns.length} columns`);
  }
  s.columns.forEach((c, i) => {
    if (c.length !== s.x.length) throw new RangeError(`snapshot column ${i} (${s.series[i].label}) has ${c.length} values for ${s.x.length} steps`);
  });
}

// One header line (x label, then each series' label) and one line per recorded step.
export function toCSV(snapshot) {
  checkSnapshot(snapshot);
  const lines = [[snapshot.xLabel, ...snapshot.series.map((s) => s.label)].map(csvField).join(',')];
  for (let i = 0; i < snapshot.x.length; ++i) {
    lines.push([snapshot.x[i], ...snapshot.columns.map((c) => c[i])].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

// The snapshot as it is; JSON has no NaN or Infinity, so those become null.
export function toJSON(snapshot) {
  checkSnapshot(snapshot);
  return JSON.stringify(snapshot);
}

// Axis ticks at 1, 2 or 5 × 10^k, about `count` of them over [lo, hi].
export function niceTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; ++k) ticks.push(+(k * step).toPrecision(12));
  return ticks;
}

// Decades, with 2× and 5× between them when the range spans few decades.
export function logTicks(lo, hi) {
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const mult = last - first <= 2 ? [1, 2, 5] : [1];
  const every = Math.ceil((last - first + 1) / 8); // many decades: label every other one, or fewer
  const ticks = [];
  for (let e = first; e <= last; e += every) {
    for (const m of mult) {
      const v = +(m * 10 ** e).toPrecision(12);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

// Tick labels: short, and in exponent form when very large or small.
export function formatTick(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0).replace('e+', 'e');
  return String(+v.toPrecision(4));
}

// x (step) labels: whole numbers in full, with thousands separators, like the chart on screen.
export function formatStep(v) {
  return Number.isInteger(v) && Math.abs(v) < 1e12 ? v.toLocaleString('en-US') : formatTick(v);
}

// The y range: the data's, padded a little; decades for a log axis; never empty.
function yRange(columns, log) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of columns) {
    for (const v of c) {
      if (v === null || !Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return log ? [1, 10] : [0, 1];
  if (log) return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi) + (lo === hi ? 1e-9 : 0))];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

// Colours of the page's light and dark schemes (web/style.css), used when the caller passes none.
export const SVG_THEMES = {
  light: { background: '#ffffff', text: '#1d1d1f', muted: '#55575c', grid: '#e1e2e4' },
  dark: { background: '#1f2124', text: '#ececee', muted: '#a9acb3', grid: '#33363b' },
};

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';
const num = (v) => String(Math.round(v * 100) / 100);

// Where each legend entry goes: left to right, wrapping, with widths estimated from the text
// (an SVG file cannot measure its own text).
function legendLayout(series, left, right, top) {
  const items = [];
  let x = left;
  let y = top;
  for (const s of series) {
    const w = 34 + String(s.label).length * 6.6 + 16;
    if (x > left && x + w > right) {
      x = left;
      y += 18;
    }
    items.push({ s, x, y });
    x += w;
  }
  return { items, bottom: series.length ? y + 10 : top - 8 };
}

export function toSVG(snapshot, { width = 720, height = 400, dark = false, theme } = {}) {
  checkSnapshot(snapshot);
  const given = theme ?? (dark ? SVG_THEMES.dark : SVG_THEMES.light);
  const t = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, escapeXML(v)]));
  const out = [];
  const text = (x, y, s, attrs = '') => out.push(`<text x="${num(x)}" y="${num(y)}"${attrs}>${escapeXML(s)}</text>`);

  let top = 14;
  if (snapshot.title) {
    text(14, top + 12, snapshot.title, ` font-size="15" font-weight="600" fill="${t.text}"`);
    top += 26;
  }
  const legend = legendLayout(snapshot.series, 64, width - 16, top + 6);
  const plot = { left: 64, right: width - 16, top: legend.bottom + 14, bottom: height - 46 };
  const pw = Math.max(1, plot.right - plot.left);
  const ph = Math.max(1, plot.bottom - plot.top);

  const xs = Array.from(snapshot.x);
  const finiteX = xs.filter(Number.isFinite);
  let [x0, x1] = finiteX.length ? [Math.min(...finiteX), Math.max(...finiteX)] : [0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const log = !!snapshot.yLog;
  const [y0, y1] = yRange(snapshot.columns, log);
  const sx = (v) => plot.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = log
    ? (v) => plot.bottom - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph
    : (v) => plot.bottom - ((v - y0) / (y1 - y0)) * ph;

  // Grid and ticks.
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(pw / 90)));
  const yTicks = log ? logTicks(y0, y1) : niceTicks(y0, y1, Math.max(2, Math.floor(ph / 45)));
  out.push(`<g stroke="${t.grid}" stroke-width="1">`);
  for (const v of yTicks) out.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${num(sy(v))}" y2="${num(sy(v))}"/>`);
  for (const v of xTicks) out.push(`<line x1="${num(sx(v))}" x2="${num(sx(v))}" y1="${plot.top}" y2="${plot.bottom}"/>`);
  out.push('</g>');
  out.push(`<g font-size="11" fill="${t.muted}">`);
  for (const v of yTicks) text(plot.left - 6, sy(v) + 4, formatTick(v), ' text-anchor="end"');
  for (const v of xTicks) text(sx(v), plot.bottom + 16, formatStep(v), ' text-anchor="middle"');
  out.push('</g>');
  out.push(`<rect x="${plot.left}" y="${num(plot.top)}" width="${pw}" height="${num(ph)}" fill="none" stroke="${t.muted}" stroke-width="1"/>`);
  text(plot.left + pw / 2, height - 12, snapshot.xLabel, ` font-size="12" fill="${t.text}" text-anchor="middle"`);
  text(0, 0, snapshot.yLabel, ` font-size="12" fill="${t.text}" text-anchor="middle" transform="translate(16 ${num(plot.top + ph / 2)}) rotate(-90)"`);

  // Data: decimated like the chart on screen, clipped to the plot.
  const data = decimate(xs, snapshot.columns.map((c) => Float64Array.from(c, (v) => (v === null ? NaN : v))), Math.max(2, 2 * Math.floor(pw)));
  const usable = (v) => v !== null && Number.isFinite(v) && (!log || v > 0);
  out.push(`<clipPath id="plot-area"><rect x="${plot.left}" y="${num(plot.top)}" width="${pw}" height="${num(ph)}"/></clipPath>`);
  out.push('<g clip-path="url(#plot-area)" fill="none" stroke-linejoin="round" stroke-linecap="round">');
  for (const band of snapshot.bands ?? []) {
    for (const d of bandPaths(data[0], data[band.upper + 1], data[band.lower + 1], usable, sx, sy)) {
      out.push(`<path d="${d}" fill="${escapeXML(band.fill)}" stroke="none"/>`);
    }
  }
  snapshot.series.forEach((s, i) => {
    const ys = data[i + 1];
    const pts = [];
    for (let r = 0; r < ys.length; ++r) if (usable(ys[r])) pts.push([num(sx(data[0][r])), num(sy(ys[r]))]);
    const dash = s.dash?.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    const d = pts.length ? `M${pts.map((p) => p.join(' ')).join('L')}` : '';
    out.push(`<path class="series" d="${d}" stroke="${escapeXML(s.color)}" stroke-width="${s.width ?? 2}"${dash}><title>${escapeXML(s.label)}</title></path>`);
    // A sparse series (evaluations) shows its points: one evaluation has no line.
    if (s.points) for (const [cx, cy] of pts) out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${escapeXML(s.color)}" stroke="none"/>`);
  });
  out.push('</g>');

  out.push(`<g font-size="12" fill="${t.text}">`);
  for (const { s, x, y } of legend.items) {
    const dash = s.dash?.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    out.push(`<line x1="${num(x)}" x2="${num(x + 28)}" y1="${num(y)}" y2="${num(y)}" stroke="${escapeXML(s.color)}" stroke-width="${Math.max(2, s.width ?? 2)}"${dash}/>`);
    text(x + 34, y + 4, s.label);
  }
  out.push('</g>');

  const label = [snapshot.title, `${snapshot.yLabel} against ${snapshot.xLabel}`].filter(Boolean).join(': ');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" role="img" aria-label="${escapeXML(label)}">\n` +
    `<rect width="100%" height="100%" fill="${t.background}"/>\n${out.join('\n')}\n</svg>\n`
  );
}

// The area between two series, one closed path per stretch where both have values.
function bandPaths(x, upper, lower, usable, sx, sy) {
  const paths = [];
  let run = [];
  const flush = () => {
    if (run.length > 1) {
      const top = run.map((r) => `${num(sx(x[r]))} ${num(sy(upper[r]))}`);
      const bottom = run.reverse().map((r) => `${num(sx(x[r]))} ${num(sy(lower[r]))}`);
      paths.push(`M${top.join('L')}L${bottom.join('L')}Z`);
    }
    run = [];
  };
  for (let r = 0; r < x.length; ++r) {
    if (usable(upper[r]) && usable(lower[r])) run.push(r);
    else if (upper[r] !== null || lower[r] !== null) flush();
  }
  flush();
  return paths;
}

// The canvas as a PNG Blob. uPlot's canvas holds neither a title nor a legend (both are HTML)
// and is transparent, so this paints `background` (a transparent PNG of light text is
// unreadable in most viewers) and, above the chart, the `title` and a legend of `series`
// ([{label, color, dash, width?}]) when given, in the `text` colour.
export function toPNG(canvas, { background = null, text = '#1d1d1f', title = '', series = [] } = {}) {
  const ratio = canvas.clientWidth ? canvas.width / canvas.clientWidth : 1;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  const font = (px, weight = 400) => `${weight} ${px * ratio}px ${FONT}`;
  const pad = 10 * ratio;
  // Lay the legend out first: its height sets the header's.
  ctx.font = font(12);
  const items = [];
  let x = pad;
  let y = pad + (title ? 24 * ratio : 0) + 8 * ratio;
  for (const s of series) {
    const w = 34 * ratio + ctx.measureText(s.label).width + 16 * ratio;
    if (x > pad && x + w > canvas.width - pad) {
      x = pad;
      y += 18 * ratio;
    }
    items.push({ s, x, y });
    x += w;
  }
  const header = title || items.length ? y + 14 * ratio : 0;
  out.width = canvas.width;
  out.height = canvas.height + header;
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, out.width, out.height);
  }
  ctx.textBaseline = 'middle';
  ctx.fillStyle = text;
  if (title) {
    ctx.font = font(15, 600);
    ctx.fillText(title, pad, pad + 10 * ratio);
  }
  ctx.font = font(12);
  for (const { s, x: lx, y: ly } of items) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = Math.max(2, s.width ?? 2) * ratio;
    ctx.setLineDash((s.dash ?? []).map((d) => d * ratio));
    ctx.beginPath();
    ctx.moveTo(lx, ly);
    ctx.lineTo(lx + 28 * ratio, ly);
    ctx.stroke();
    ctx.fillText(s.label, lx + 34 * ratio, ly);
  }
  ctx.setLineDash([]);
  ctx.drawImage(canvas, 0, header);
  return new Promise((resolve, reject) => {
    out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the chart as PNG'))), 'image/png');
  });
}

// Saves `data` (a string or a Blob) as a file through a temporary <a download>.
export function download(filename, data, mime = 'application/octet-stream') {
  const blob = data instanceof Blob ? data : new Blob([data], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Some browsers start reading the URL only after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
