// One run's class probabilities for the drawn digit: ten labelled bars (digits 0–9) in the
// run's colour, the most likely digit in bold with a stronger bar, and a sentence that says the
// same in words ("Reads 7, 92% sure; next 1, 5%.").
//   new ProbBars(container, {label, color}); update(probabilities: Float32Array(10) summing to
//   about 1, or null when there is nothing to read); restyle(color); destroy().
// softmax(logits) turns a network's ten outputs into probabilities (pure, like the helpers).
// Screen readers hear the sentence (a polite live region) once the drawing pauses, not on
// every animation frame.
import { h } from '../ui/dom.js';

export const CLASSES = 10;
const ANNOUNCE_AFTER_MS = 600;

// exp(l − max) / Σ exp(l − max): subtracting the largest logit keeps exp from overflowing.
export function softmax(logits) {
  if (!logits || logits.length === 0) throw new RangeError('softmax needs at least one logit');
  let max = -Infinity;
  for (let i = 0; i < logits.length; ++i) {
    const v = logits[i];
    if (Number.isNaN(v) || v === Infinity) throw new RangeError(`softmax: logit ${i} is ${v}`);
    if (v > max) max = v;
  }
  if (max === -Infinity) throw new RangeError('softmax: every logit is -Infinity');
  const p = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; ++i) sum += p[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < p.length; ++i) p[i] /= sum;
  return p;
}

export function checkProbabilities(p) {
  if (!p || p.length !== CLASSES) throw new RangeError(`expected ${CLASSES} class probabilities, got ${p?.length ?? 'none'}`);
  for (let i = 0; i < CLASSES; ++i) {
    if (!(p[i] >= 0 && p[i] <= 1.0001)) throw new RangeError(`probability of digit ${i} must be in [0, 1], got ${p[i]}`);
  }
}

// Digits by probability, highest first (ties: the smaller digit first).
export function ranked(p) {
  return Array.from(p, (v, digit) => ({ digit, p: v })).sort((a, b) => b.p - a.p || a.digit - b.digit);
}

// Whole percents, with "<1%" and ">99%" so that rounding never claims certainty or zero.
export function formatProbability(p) {
  if (p <= 0) return '0%';
  if (p < 0.005) return '<1%';
  if (p >= 1) return '100%';
  if (p >= 0.995) return '>99%';
  return `${Math.round(100 * p)}%`;
}

export function describeProbabilities(p) {
  if (!p) return 'Draw a digit to see what this network reads.';
  const [first, second] = ranked(p);
  return `Reads ${first.digit}, ${formatProbability(first.p)} sure; next ${second.digit}, ${formatProbability(second.p)}.`;
}

export class ProbBars {
  #rows = [];
  #summary;
  #live;
  #timer = 0;
  #color;
  #root;

  constructor(container, { label, color }) {
    this.#color = color;
    this.#summary = h('p', { class: 'prob-summary', 'aria-hidden': 'true' });
    this.#live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
    const list = h('ol', { class: 'prob-list', start: 0, 'aria-label': `${label}: probability of each digit` });
    for (let d = 0; d < CLASSES; ++d) {
      const fill = h('span', { class: 'prob-fill' });
      const value = h('span', { class: 'prob-value' });
      const li = h('li', { class: 'prob-row' }, h('span', { class: 'prob-digit' }, String(d)), h('span', { class: 'prob-track', 'aria-hidden': 'true' }, fill), value);
      list.append(li);
      this.#rows.push({ li, fill, value });
    }
    this.#root = h('div', { class: 'prob-bars', role: 'group', 'aria-label': label }, h('p', { class: 'prob-label' }, label), this.#summary, this.#live, list);
    container.append(this.#root);
    this.restyle(color);
    this.update(null);
  }

  update(probabilities) {
    if (probabilities !== null) checkProbabilities(probabilities);
    const top = probabilities ? ranked(probabilities)[0].digit : -1;
    this.#rows.forEach((r, d) => {
      const p = probabilities ? probabilities[d] : 0;
      r.fill.style.width = `${Math.min(100, 100 * p)}%`;
      r.value.textContent = probabilities ? formatProbability(p) : '–';
      r.li.classList.toggle('top', d === top);
    });
    const text = describeProbabilities(probabilities);
    this.#summary.textContent = text;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#live.textContent = text;
    }, ANNOUNCE_AFTER_MS);
  }

  restyle(color = this.#color) {
    this.#color = color;
    for (const r of this.#rows) r.fill.style.backgroundColor = color;
  }

  destroy() {
    clearTimeout(this.#timer);
    this.#root.remove();
  }
}
