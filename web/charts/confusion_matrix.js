// A 10×10 confusion matrix: row = the true digit, column = the digit the network predicted,
// each cell the number of test digits, written in it. Cell colour follows log(1 + count) on a
// single-hue blue ramp that only changes lightness, so it reads with any colour vision: pale
// to dark on a light page, dark to pale on a dark one; empty cells stay the card's colour. The
// diagonal (the correct answers) is outlined.
//   new ConfusionMatrix(container, {label}); update(confusion: Int32Array(100), row-major,
//   [true * 10 + predicted]); restyle() after a colour-scheme change; destroy(). It is
//   drawn only while shown near the viewport (web/charts/visibility.js).
//   summary (a sentence, also the SVG's accessible name), tableElement() (a <table> of the
//   counts), toCSV(), toSVG() (standalone), canvas (a fresh PNG-ready rendering): the pieces
//   addChartTools' overrides take.
// Pure: confusionLayout (where everything goes, in which colour), confusionSVG, rampColor,
// confusionSummary; the screen SVG and the PNG canvas are both drawn from the layout.
import { csvField, escapeXML } from './export.js';
import { observeShown } from './visibility.js';

const N = 10;
const CELL = 32;
const LEFT = 46; // room for "true digit" and the row digits
const TOP_MARGIN = 42; // room for "predicted digit" and the column digits
const PAD = 6;

// Lightness ramps (ColorBrewer's Blues, and a dark-page counterpart with the same hue).
const RAMPS = {
  light: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
  dark: ['#1a2a3a', '#1d4f7e', '#2f7fc1', '#79b8e6', '#e1f0fc'],
};
const THEMES = {
  light: { background: '#ffffff', text: '#1d1d1f', muted: '#55575c', grid: '#e1e2e4', onDark: '#ffffff', onLight: '#000000' },
  dark: { background: '#1f2124', text: '#ececee', muted: '#a9acb3', grid: '#33363b', onDark: '#ffffff', onLight: '#000000' },
};

const hexRGB = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const rgbHex = (rgb) => `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

// t in [0, 1] → a colour on the scheme's ramp (linear between its stops).
export function rampColor(t, dark) {
  const stops = RAMPS[dark ? 'dark' : 'light'];
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const a = hexRGB(stops[i]);
  const b = hexRGB(stops[i + 1]);
  return rgbHex(a.map((v, k) => v + (b[k] - v) * (u - i)));
}

// Above this luminance black text has more contrast than white (both ≥ 4.6:1 on either side).
const BLACK_TEXT_ABOVE = Math.sqrt(1.05 * 0.05) - 0.05;

// WCAG relative luminance of '#rrggbb'.
export function luminance(hex) {
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const [r, g, b] = hexRGB(hex).map((v) => lin(v / 255));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function checkConfusion(confusion) {
  if (!confusion || confusion.length !== N * N) throw new RangeError(`a confusion matrix needs ${N * N} counts, got ${confusion?.length ?? 'none'}`);
  for (let i = 0; i < N * N; ++i) {
    const c = confusion[i];
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`confusion count [true ${Math.floor(i / N)}, predicted ${i % N}] must be a non-negative integer, got ${c}`);
  }
}

export function confusionSummary(confusion) {
  checkConfusion(confusion);
  let total = 0;
  let correct = 0;
  let worst = null;
  for (let t = 0; t < N; ++t) {
    for (let p = 0; p < N; ++p) {
      const c = confusion[t * N + p];
      total += c;
      if (t === p) correct += c;
      else if (c > 0 && (!worst || c > worst.count)) worst = { label: t, predicted: p, count: c };
    }
  }
  const fmt = (n) => n.toLocaleString('en-US');
  let text;
  if (total === 0) text = 'No test digits classified yet.';
  else {
    text = `${fmt(correct)} of ${fmt(total)} test digits classified correctly (${((100 * correct) / total).toFixed(1)}%).`;
    text += worst ? ` The most common mistake: a true ${worst.label} read as ${worst.predicted}, ${fmt(worst.count)} time${worst.count === 1 ? '' : 's'}.` : ' No mistakes.';
  }
  return { total, correct, worst, text };
}

// Everything to draw, in viewBox units: {width, height, background, cells: [{x, y, size,
// fill, stroke, text, textFill, diagonal}], labels: [{x, y, text, fill, size, anchor, weight,
// rotate}]}. A `title` (for exported files; on the page the figure has a heading) goes on top.
export function confusionLayout(confusion, { dark = false, theme, title = '' } = {}) {
  checkConfusion(confusion);
  const t = { ...THEMES[dark ? 'dark' : 'light'], ...theme };
  const head = title ? 28 : 0;
  const TOP = TOP_MARGIN + head;
  let max = 0;
  for (const c of confusion) if (c > max) max = c;
  const cells = [];
  for (let row = 0; row < N; ++row) {
    for (let col = 0; col < N; ++col) {
      const count = confusion[row * N + col];
      // log scale: a lone mistake must show beside a diagonal of hundreds.
      const level = count === 0 ? 0 : 0.18 + 0.82 * (Math.log1p(count) / Math.log1p(max));
      const fill = count === 0 ? t.background : rampColor(level, dark);
      cells.push({
        x: LEFT + col * CELL,
        y: TOP + row * CELL,
        size: CELL,
        fill,
        stroke: t.grid,
        diagonal: row === col,
        text: String(count),
        textFill: count === 0 ? t.muted : luminance(fill) > BLACK_TEXT_ABOVE ? t.onLight : t.onDark,
      });
    }
  }
  const labels = [
    { x: LEFT + (N * CELL) / 2, y: head + 13, text: 'predicted digit', fill: t.text, size: 12, anchor: 'middle', weight: 600 },
    { x: 13, y: TOP + (N * CELL) / 2, text: 'true digit', fill: t.text, size: 12, anchor: 'middle', weight: 600, rotate: -90 },
  ];
  for (let d = 0; d < N; ++d) {
    labels.push({ x: LEFT + d * CELL + CELL / 2, y: TOP - 8, text: String(d), fill: t.muted, size: 12, anchor: 'middle' });
    labels.push({ x: LEFT - 8, y: TOP + d * CELL + CELL / 2 + 4, text: String(d), fill: t.muted, size: 12, anchor: 'end' });
  }
  if (title) labels.push({ x: PAD, y: 18, text: title, fill: t.text, size: 15, anchor: 'start', weight: 600 });
  return { width: LEFT + N * CELL + PAD, height: TOP + N * CELL + PAD, background: t.background, diagonalStroke: t.text, cells, labels };
}

export function confusionSVG(layout, { title = 'Confusion matrix', description = '' } = {}) {
  const out = [];
  out.push(`<rect width="${layout.width}" height="${layout.height}" fill="${layout.background}"/>`);
  out.push('<g stroke-width="1">');
  for (const c of layout.cells) out.push(`<rect x="${c.x}" y="${c.y}" width="${c.size}" height="${c.size}" fill="${c.fill}" stroke="${c.stroke}"/>`);
  out.push('</g>');
  // The diagonal's outlines go on top, so neighbours' grid lines do not cover them.
  out.push(`<g fill="none" stroke="${layout.diagonalStroke}" stroke-width="1.5">`);
  for (const c of layout.cells) if (c.diagonal) out.push(`<rect x="${c.x + 1}" y="${c.y + 1}" width="${c.size - 2}" height="${c.size - 2}"/>`);
  out.push('</g>');
  out.push('<g font-size="11" text-anchor="middle">');
  for (const c of layout.cells) out.push(`<text x="${c.x + c.size / 2}" y="${c.y + c.size / 2 + 4}" fill="${c.textFill}">${c.text}</text>`);
  out.push('</g>');
  for (const l of layout.labels) {
    const rotate = l.rotate ? ` transform="rotate(${l.rotate} ${l.x} ${l.y})"` : '';
    const weight = l.weight ? ` font-weight="${l.weight}"` : '';
    out.push(`<text x="${l.x}" y="${l.y}" fill="${l.fill}" font-size="${l.size}" text-anchor="${l.anchor}"${weight}${rotate}>${escapeXML(l.text)}</text>`);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" ` +
    `font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" role="img" aria-label="${escapeXML([title, description].filter(Boolean).join('. '))}">` +
    `<title>${escapeXML(title)}</title>${out.join('')}</svg>`
  );
}

export function confusionCSV(confusion) {
  checkConfusion(confusion);
  const lines = [['true \\ predicted', ...Array.from({ length: N }, (_, d) => d)].map(csvField).join(',')];
  for (let t = 0; t < N; ++t) lines.push([t, ...confusion.slice(t * N, t * N + N)].join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function drawLayout(ctx, layout) {
  ctx.fillStyle = layout.background;
  ctx.fillRect(0, 0, layout.width, layout.height);
  for (const c of layout.cells) {
    ctx.fillStyle = c.fill;
    ctx.fillRect(c.x, c.y, c.size, c.size);
    ctx.strokeStyle = c.stroke;
    ctx.lineWidth = 1;
    ctx.strokeRect(c.x, c.y, c.size, c.size);
  }
  ctx.strokeStyle = layout.diagonalStroke;
  ctx.lineWidth = 1.5;
  for (const c of layout.cells) if (c.diagonal) ctx.strokeRect(c.x + 1, c.y + 1, c.size - 2, c.size - 2);
  ctx.textAlign = 'center';
  ctx.font = '11px system-ui, sans-serif';
  for (const c of layout.cells) {
    ctx.fillStyle = c.textFill;
    ctx.fillText(c.text, c.x + c.size / 2, c.y + c.size / 2 + 4);
  }
  for (const l of layout.labels) {
    ctx.save();
    ctx.translate(l.x, l.y);
    if (l.rotate) ctx.rotate((l.rotate * Math.PI) / 180);
    ctx.fillStyle = l.fill;
    ctx.textAlign = l.anchor === 'middle' ? 'center' : l.anchor;
    ctx.font = `${l.weight ?? 400} ${l.size}px system-ui, sans-serif`;
    ctx.fillText(l.text, 0, 0);
    ctx.restore();
  }
}

function pageTheme() {
  const css = getComputedStyle(document.documentElement);
  const read = (name) => css.getPropertyValue(name).trim() || undefined;
  const theme = { background: read('--card'), text: read('--fg'), muted: read('--fg-muted'), grid: read('--grid') };
  for (const k of Object.keys(theme)) if (theme[k] === undefined) delete theme[k];
  return theme;
}

const isDark = () => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;

export class ConfusionMatrix {
  #holder;
  #label;
  #confusion = new Int32Array(N * N);
  #summary;
  #shown = false; // near the viewport and not inside a hidden view, as observeShown reports
  #stale = true; // the drawing is older than the counts or the colours
  #visibility;

  constructor(container, { label = 'Confusion matrix of the test digits' } = {}) {
    this.#label = label;
    this.#holder = document.createElement('div');
    this.#holder.className = 'confusion-matrix';
    container.append(this.#holder);
    this.update(this.#confusion);
    this.#visibility = observeShown(this.#holder, (shown) => {
      this.#shown = shown;
      if (shown && this.#stale) this.#render();
    });
  }

  get summary() {
    return this.#summary.text;
  }

  update(confusion) {
    this.#summary = confusionSummary(confusion);
    this.#confusion = Int32Array.from(confusion);
    this.#redraw();
  }

  restyle() {
    this.#redraw();
  }

  destroy() {
    this.#visibility.disconnect();
    this.#holder.remove();
  }

  #layout(title = '') {
    return confusionLayout(this.#confusion, { dark: isDark(), theme: pageTheme(), title });
  }

  #redraw() {
    this.#stale = true;
    if (this.#shown) this.#render();
  }

  #render() {
    this.#stale = false;
    const svg = confusionSVG(this.#layout(), { title: this.#label, description: this.#summary.text });
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    this.#holder.replaceChildren(document.importNode(doc.documentElement, true));
  }

  // A standalone file, with the label as a visible title.
  toSVG() {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${confusionSVG(this.#layout(this.#label), { title: this.#label, description: this.#summary.text })}\n`;
  }

  toCSV() {
    return confusionCSV(this.#confusion);
  }

  // Drawn at twice the layout's size, for a sharp PNG, with the label as a title.
  get canvas() {
    const layout = this.#layout(this.#label);
    const canvas = document.createElement('canvas');
    canvas.width = 2 * layout.width;
    canvas.height = 2 * layout.height;
    const ctx = canvas.getContext('2d');
    ctx.scale(2, 2);
    drawLayout(ctx, layout);
    return canvas;
  }

  tableElement() {
    const table = document.createElement('table');
    table.className = 'data-table confusion-table';
    table.createCaption().textContent = `${this.#label}: rows are the true digit, columns the predicted one. ${this.#summary.text}`;
    // Headers read "true 3" and "predicted 5" aloud; on screen only the digits, to fit a phone.
    const header = (scope, shown, spoken) => {
      const th = document.createElement('th');
      th.scope = scope;
      const visible = document.createElement('span');
      visible.setAttribute('aria-hidden', 'true');
      visible.textContent = shown;
      const words = document.createElement('span');
      words.className = 'visually-hidden';
      words.textContent = spoken;
      th.append(visible, words);
      return th;
    };
    const head = table.createTHead().insertRow();
    head.append(header('col', 'true ↓ pred. →', 'true digit'));
    for (let d = 0; d < N; ++d) head.append(header('col', String(d), `predicted ${d}`));
    const body = table.createTBody();
    for (let t = 0; t < N; ++t) {
      const tr = body.insertRow();
      tr.append(header('row', String(t), `true ${t}`));
      for (let p = 0; p < N; ++p) {
        const td = tr.insertCell();
        td.textContent = String(this.#confusion[t * N + p]);
        if (t === p) td.className = 'diagonal';
      }
    }
    return table;
  }
}
