// A pad where a person writes one digit, and the 28×28 image the networks see of it.
//   new DrawPad(container, {onChange, label}) builds the pad, a Clear button, a description
//   and a preview. Pointer input: mouse, touch and pen. Keyboard: the pad takes focus; arrow
//   keys move a pen (Shift: further), Space or Enter puts it down or lifts it, Delete,
//   Backspace or Escape clears.
//   onChange(pixels) runs at most once per animation frame while the drawing changes: pixels
//   is a Float32Array(784) from mnistFromInk (ink = 1), or null once the pad is empty.
//   clear(), restyle() (after a colour-scheme change), destroy().
// Pure parts: mnistFromInk (MNIST's preprocessing), inkFromRGBA, normalizeForEngine, movePen.
import { DIGIT_PIXELS, DIGIT_SIDE, paintDigit, themeInk } from '../charts/digit_gallery.js';
import { h } from './dom.js';

// LeCun et al. fitted each NIST digit into a 20×20 box (keeping its aspect ratio, with
// anti-aliasing) and moved its centre of mass to the centre of a 28×28 image.
const BOX = 20;
const CENTRE = DIGIT_SIDE / 2;
// The engine normalizes its inputs with MNIST's mean and standard deviation (core/data/dataset.hpp).
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

export function normalizeForEngine(pixels) {
  if (!pixels || pixels.length !== DIGIT_PIXELS) throw new RangeError(`normalizeForEngine needs ${DIGIT_PIXELS} pixels, got ${pixels?.length ?? 'none'}`);
  return Float32Array.from(pixels, (p) => (p - MNIST_MEAN) / MNIST_STD);
}

// A canvas's RGBA bytes → ink coverage in [0, 1] (its alpha channel; the paper is transparent).
export function inkFromRGBA(rgba) {
  const ink = new Float32Array(rgba.length / 4);
  for (let i = 0; i < ink.length; ++i) ink[i] = rgba[4 * i + 3] / 255;
  return ink;
}

// For each of the 28 output pixels along one axis: the source pixels it covers and by how
// much. Output pixel o spans [o, o + 1); it maps back to source [centre + (o − 14)/scale, …).
// A weight is the covered length × scale, so a fully inked output pixel sums to 1: this is an
// area average (a box filter), which anti-aliases when shrinking.
function axisWeights(lo, hi, centre, scale) {
  const rows = [];
  for (let o = 0; o < DIGIT_SIDE; ++o) {
    const s0 = Math.max(lo, centre + (o - CENTRE) / scale);
    const s1 = Math.min(hi, centre + (o + 1 - CENTRE) / scale);
    const taps = [];
    for (let k = Math.floor(s0); k < s1; ++k) {
      const covered = Math.min(s1, k + 1) - Math.max(s0, k);
      if (covered > 0) taps.push([k, covered * scale]);
    }
    rows.push(taps);
  }
  return rows;
}

// ink: coverage per pixel in [0, 1], row-major width × height (e.g. inkFromRGBA of the pad).
// Returns the digit as MNIST prepared its images: a Float32Array(784) of intensities in
// [0, 1], or null when there is no ink. Pixels above `threshold` define the ink's bounding
// box; the longer side is scaled to 20 pixels; the centre of mass of the ink in that box
// lands on the image's centre (14, 14). Ink pushed past the border by that shift is cut off,
// as it would have been in MNIST.
export function mnistFromInk(ink, width, height, threshold = 0.1) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`mnistFromInk: width and height must be positive integers, got ${width}×${height}`);
  }
  if (!ink || ink.length !== width * height) {
    throw new RangeError(`mnistFromInk: expected ${width}×${height} = ${width * height} ink values, got ${ink?.length ?? 'none'}`);
  }
  let x0 = width;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  for (let y = 0; y < height; ++y) {
    for (let x = 0; x < width; ++x) {
      if (ink[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const value = (x, y) => {
    const v = ink[y * width + x];
    return v > 0 ? Math.min(1, v) : 0; // NaN counts as paper
  };
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = y0; y <= y1; ++y) {
    for (let x = x0; x <= x1; ++x) {
      const v = value(x, y);
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const scale = BOX / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const wx = axisWeights(x0, x1 + 1, mx / mass, scale);
  const wy = axisWeights(y0, y1 + 1, my / mass, scale);
  // Separable: first along x for every source row of the box, then along y.
  const rows = new Float64Array((y1 - y0 + 1) * DIGIT_SIDE);
  for (let y = y0; y <= y1; ++y) {
    for (let o = 0; o < DIGIT_SIDE; ++o) {
      let sum = 0;
      for (const [k, w] of wx[o]) sum += w * value(k, y);
      rows[(y - y0) * DIGIT_SIDE + o] = sum;
    }
  }
  const out = new Float32Array(DIGIT_PIXELS);
  for (let oy = 0; oy < DIGIT_SIDE; ++oy) {
    for (let ox = 0; ox < DIGIT_SIDE; ++ox) {
      let sum = 0;
      for (const [k, w] of wy[oy]) sum += w * rows[(k - y0) * DIGIT_SIDE + ox];
      out[oy * DIGIT_SIDE + ox] = Math.min(1, sum);
    }
  }
  return out;
}

// The keyboard pen: arrow keys move it by `step` pixels, inside a size × size pad; other keys
// leave it where it is (returns null).
export function movePen({ x, y }, key, step, size) {
  const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
  if (!d) return null;
  const clamp = (v) => Math.min(size - 1, Math.max(0, v));
  return { x: clamp(x + d[0] * step), y: clamp(y + d[1] * step) };
}

const SIZE = 280; // the pad's own pixels, whatever its size on screen
const BRUSH = SIZE / 13; // a digit written across the pad gets MNIST-like strokes, about 2 px wide

let padCount = 0;

export class DrawPad {
  #onChange;
  #canvas;
  #ctx;
  #preview;
  #pen;
  #status; // what the keyboard pen did, for screen readers
  #pointer = null; // {id, x, y} while a pointer draws
  #keyPen = { x: SIZE / 2, y: SIZE / 2, down: false, shown: false };
  #frame = 0;
  #empty = true;
  #pixels = null;
  #ink = '#1d1d1f';
  #root;

  constructor(container, { onChange = () => {}, label = 'Drawing pad: write one digit from 0 to 9' } = {}) {
    this.#onChange = onChange;
    const id = `draw-pad-${++padCount}`;
    this.#canvas = h('canvas', {
      class: 'draw-pad-canvas',
      width: SIZE,
      height: SIZE,
      tabindex: 0,
      role: 'application',
      'aria-roledescription': 'drawing pad',
      'aria-label': label,
      'aria-describedby': `${id}-help ${id}-state`,
    });
    this.#ctx = this.#canvas.getContext('2d', { willReadFrequently: true });
    this.#pen = h('div', { class: 'draw-pad-pen', 'aria-hidden': 'true', hidden: true });
    this.#preview = h('canvas', { class: 'draw-pad-preview', width: DIGIT_SIDE, height: DIGIT_SIDE, role: 'img', 'aria-label': 'Nothing drawn yet' });
    this.#status = h('p', { class: 'visually-hidden', id: `${id}-state`, 'aria-live': 'polite' });
    const clear = h('button', { type: 'button', class: 'small', 'aria-label': 'Clear the drawing pad', onclick: () => this.clear() }, 'Clear');
    this.#root = h(
      'div',
      { class: 'draw-pad' },
      h('div', { class: 'draw-pad-surface' }, this.#canvas, this.#pen),
      h(
        'div',
        { class: 'draw-pad-side' },
        h('figure', { class: 'draw-pad-seen' }, this.#preview, h('figcaption', {}, 'What the networks see: 28×28 pixels')),
        clear,
      ),
      h(
        'p',
        { class: 'hint draw-pad-help', id: `${id}-help` },
        'Write one digit, large, with a mouse, a finger or a pen. With the keyboard: arrow keys move the pen (Shift moves it further), Space puts it down or lifts it, Delete clears.',
      ),
      this.#status,
    );
    container.append(this.#root);
    this.#listen();
    this.restyle();
  }

  get pixels() {
    return this.#pixels;
  }

  clear() {
    this.#ctx.clearRect(0, 0, SIZE, SIZE);
    this.#keyPen.down = false;
    this.#changed();
  }

  // Ink in the new scheme's colour: 'source-in' repaints only where there is ink, keeping its alpha.
  restyle() {
    this.#ink = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#1d1d1f';
    const ctx = this.#ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'source-in';
    ctx.fillStyle = this.#ink;
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.restore();
    this.#paintPreview();
  }

  destroy() {
    cancelAnimationFrame(this.#frame);
    this.#root.remove();
  }

  #listen() {
    const c = this.#canvas;
    c.addEventListener('pointerdown', (e) => {
      if (this.#pointer || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault();
      c.focus({ preventScroll: true });
      c.setPointerCapture(e.pointerId);
      const p = this.#toPad(e);
      this.#pointer = { id: e.pointerId, ...p };
      this.#stroke(p, p);
    });
    c.addEventListener('pointermove', (e) => {
      if (this.#pointer?.id !== e.pointerId) return;
      // Fast strokes deliver several positions per frame; drawing them all keeps curves round.
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = this.#toPad(ev);
        this.#stroke(this.#pointer, p);
        Object.assign(this.#pointer, p);
      }
    });
    const end = (e) => {
      if (this.#pointer?.id === e.pointerId) this.#pointer = null;
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('keydown', (e) => this.#key(e));
    // Reached with Tab: show where the keyboard pen is (not when a click focused the pad).
    c.addEventListener('focus', () => {
      if (!c.matches(':focus-visible')) return;
      this.#keyPen.shown = true;
      this.#showPen();
    });
    c.addEventListener('blur', () => {
      this.#keyPen.shown = false;
      this.#pen.hidden = true;
    });
  }

  #key(e) {
    const pen = this.#keyPen;
    if (['Delete', 'Backspace', 'Escape'].includes(e.key)) {
      if (e.key === 'Escape' && this.#empty) return; // let Escape do its usual job elsewhere
      e.preventDefault();
      this.clear();
      this.#status.textContent = 'Cleared.';
      return;
    }
    if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      pen.down = !pen.down;
      if (pen.down) this.#stroke(pen, pen);
      this.#status.textContent = pen.down ? 'Pen down: arrow keys draw.' : 'Pen up: arrow keys move without drawing.';
    } else {
      const next = movePen(pen, e.key, e.shiftKey ? SIZE / 7 : SIZE / 28, SIZE);
      if (!next) return;
      e.preventDefault();
      if (pen.down) this.#stroke(pen, next);
      Object.assign(pen, next);
    }
    pen.shown = true;
    this.#showPen();
  }

  #showPen() {
    const pen = this.#keyPen;
    this.#pen.hidden = !pen.shown;
    this.#pen.classList.toggle('down', pen.down);
    this.#pen.style.left = `${(100 * pen.x) / SIZE}%`;
    this.#pen.style.top = `${(100 * pen.y) / SIZE}%`;
  }

  #toPad(e) {
    const r = this.#canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * SIZE) / r.width, y: ((e.clientY - r.top) * SIZE) / r.height };
  }

  #stroke(from, to) {
    const ctx = this.#ctx;
    ctx.strokeStyle = this.#ink;
    ctx.lineWidth = BRUSH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    this.#changed();
  }

  #changed() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const ink = inkFromRGBA(this.#ctx.getImageData(0, 0, SIZE, SIZE).data);
      this.#pixels = mnistFromInk(ink, SIZE, SIZE);
      this.#empty = this.#pixels === null;
      this.#paintPreview();
      this.#onChange(this.#pixels);
    });
  }

  #paintPreview() {
    this.#preview.setAttribute('aria-label', this.#empty ? 'Nothing drawn yet' : 'The drawn digit at 28×28 pixels, as the networks see it');
    paintDigit(this.#preview, this.#pixels ?? new Float32Array(DIGIT_PIXELS), 1, themeInk());
  }
}
