// A gallery of misclassified test digits.
//   new DigitGallery(container, {limit = 24})
//   update(items, {total}): items [{image: Uint8Array(784) raw bytes 0–255 (28×28, row-major, ink =
//     255), label, predicted, confidence in [0, 1]}]. Shows at most `limit` of them, the most
//     confident mistakes first (ties keep their given order): those are the surprising ones.
//     Each is a 28×28 canvas scaled up crisply (image-rendering: pixelated) in the page's ink
//     and card colours, captioned "7 → 1 (83%)" (true digit → predicted (confidence); ">99%"
//     rather than a rounded "100%"), with alt text in words. A line above says how many are
//     shown of how many.
//   restyle() repaints in the current colour scheme; destroy() removes the gallery.
// Pure helpers, shared with the drawing pad: parseColor, digitRGBA, galleryOrder, captions.
import { formatProbability } from './prob_bars.js';

export const DIGIT_SIDE = 28;
export const DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE;

// '#rgb', '#rrggbb' or 'rgb(r, g, b)' / 'rgba(…)' → [r, g, b]; null for anything else.
export function parseColor(text) {
  const s = String(text).trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16));
  m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [m[1], m[2], m[3]].map((v) => Math.min(255, Math.round(Number(v))));
  return null;
}

// RGBA bytes of a grey image painted from `paper` (value 0) to `ink` (value `max`).
export function digitRGBA(values, max, ink, paper) {
  const rgba = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; ++i) {
    const t = Math.min(1, Math.max(0, values[i] / max || 0));
    for (let c = 0; c < 3; ++c) rgba[4 * i + c] = Math.round(paper[c] + (ink[c] - paper[c]) * t);
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

export const digitCaption = (it) => `${it.label} → ${it.predicted} (${formatProbability(it.confidence)})`;
export const digitAlt = (it) =>
  `A handwritten ${it.label} that the network read as ${it.predicted}, ${formatProbability(it.confidence)} sure`;

function checkItem(it, i) {
  const where = `gallery item ${i}`;
  if (!it || typeof it !== 'object') throw new TypeError(`${where} must be an object {image, label, predicted, confidence}`);
  if (!it.image || it.image.length !== DIGIT_PIXELS) throw new RangeError(`${where}: image must hold ${DIGIT_PIXELS} bytes, got ${it.image?.length ?? 'none'}`);
  for (const key of ['label', 'predicted']) {
    if (!Number.isInteger(it[key]) || it[key] < 0 || it[key] > 9) throw new RangeError(`${where}: ${key} must be a digit 0–9, got ${it[key]}`);
  }
  if (!(it.confidence >= 0 && it.confidence <= 1)) throw new RangeError(`${where}: confidence must be in [0, 1], got ${it.confidence}`);
}

// The items shown: checked, most confident first (a stable sort), at most `limit`.
export function galleryOrder(items, limit) {
  if (!Array.isArray(items)) throw new TypeError('gallery items must be an array');
  items.forEach(checkItem);
  return items
    .map((it, i) => ({ it, i }))
    .sort((a, b) => b.it.confidence - a.it.confidence || a.i - b.i)
    .slice(0, limit)
    .map((e) => e.it);
}

export function gallerySummary(shown, total) {
  if (total === 0) return 'No misclassified test digits.';
  const what = total === 1 ? 'the one misclassified test digit' : `${shown === total ? 'all' : `${shown} of the`} ${total} misclassified test digits`;
  return `Showing ${what}${shown > 1 ? ', the most confident mistakes first' : ''}.`;
}

export function themeInk() {
  const css = getComputedStyle(document.documentElement);
  return {
    ink: parseColor(css.getPropertyValue('--fg')) ?? [29, 29, 31],
    paper: parseColor(css.getPropertyValue('--card')) ?? [255, 255, 255],
  };
}

// Paints 28×28 values onto a canvas of that size.
export function paintDigit(canvas, values, max, { ink, paper } = themeInk()) {
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(digitRGBA(values, max, ink, paper), DIGIT_SIDE, DIGIT_SIDE), 0, 0);
}

export class DigitGallery {
  #list;
  #summary;
  #limit;
  #items = [];
  #root;

  constructor(container, { limit = 24 } = {}) {
    this.#limit = limit;
    this.#summary = document.createElement('p');
    this.#summary.className = 'digit-gallery-summary';
    this.#list = document.createElement('ul');
    this.#list.className = 'digit-gallery';
    this.#list.setAttribute('role', 'list');
    this.#root = document.createElement('div');
    this.#root.className = 'digit-gallery-root';
    this.#root.append(this.#summary, this.#list);
    container.append(this.#root);
    this.update([]);
  }

  // total: how many mistakes there are in all, when `items` holds only some of them.
  update(items, { total = items.length } = {}) {
    const shown = galleryOrder(items, this.#limit);
    this.#items = shown;
    this.#summary.textContent = gallerySummary(shown.length, Math.max(total, items.length));
    const colors = themeInk();
    this.#list.replaceChildren(
      ...shown.map((it) => {
        const canvas = document.createElement('canvas');
        canvas.width = DIGIT_SIDE;
        canvas.height = DIGIT_SIDE;
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', digitAlt(it));
        paintDigit(canvas, it.image, 255, colors);
        const caption = document.createElement('figcaption');
        caption.textContent = digitCaption(it);
        caption.setAttribute('aria-hidden', 'true'); // the alt text says it in words
        const fig = document.createElement('figure');
        fig.append(canvas, caption);
        const li = document.createElement('li');
        li.append(fig);
        return li;
      }),
    );
  }

  restyle() {
    const colors = themeInk();
    this.#list.querySelectorAll('canvas').forEach((c, i) => paintDigit(c, this.#items[i].image, 255, colors));
  }

  destroy() {
    this.#root.remove();
  }
}
