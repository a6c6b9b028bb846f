// "Draw a digit": the drawing pad and, for each run, the class probabilities its model gives
// the drawing, in eval mode. Asks through `predict(pixels, requestId)` and shows the answers it
// is handed (`answer`); a drawing is asked again after each evaluation, so the bars follow the
// training. At most one request is in flight: drawing faster than the runs answer sends only
// the latest drawing (a request unanswered for 2 s, a crashed worker's, is given up).
import { ProbBars } from '../charts/prob_bars.js';
import { RUN_NAMES, runColor } from '../charts/palette.js';
import { DrawPad, normalizeForEngine } from './draw_pad.js';
import { h } from './dom.js';
import { normLabel } from './explain.js';

export class DrawSection {
  #predict;
  #pad;
  #barsBox;
  #bars = [];
  #pixels = null;
  #requestId = 0;
  #waiting = 0; // answers still expected for the request in flight
  #sentAt = 0;
  #dirty = false;

  // container: where the pad and the bars go; predict(pixels, requestId) asks every run that
  // has a model and returns how many it asked.
  constructor(container, { predict }) {
    this.#predict = predict;
    const padBox = h('div', { class: 'draw-pad-box' });
    this.#barsBox = h('div', { class: 'prob-runs', id: 'prob-runs' });
    container.append(padBox, this.#barsBox);
    this.#pad = new DrawPad(padBox, { onChange: (pixels) => this.#changed(pixels) });
  }

  // The runs on the page now (their norms); answers of earlier runs are dropped.
  reset(norms) {
    for (const b of this.#bars) b.destroy();
    this.#barsBox.replaceChildren();
    this.#bars = norms.map((norm, i) => {
      const box = h('div', { class: 'prob-run', id: `prob-run-${i}` });
      this.#barsBox.append(box);
      return new ProbBars(box, { label: `Run ${RUN_NAMES[i]}: ${normLabel(norm)}`, color: runColor(i) });
    });
    this.#waiting = 0;
    this.#requestId += 1;
    if (this.#pixels) this.#dirty = true;
  }

  // The runs' weights changed (an evaluation, a new run ready): ask again for the drawing.
  refresh() {
    if (!this.#pixels) return;
    this.#dirty = true;
    this.#send();
  }

  // A 'prediction' event of run i.
  answer(i, ev) {
    if (ev.requestId !== this.#requestId) return;
    if (this.#pixels) this.#bars[i]?.update(ev.probabilities);
    this.#waiting = Math.max(0, this.#waiting - 1);
    if (this.#waiting === 0) this.#send();
  }

  #changed(pixels) {
    this.#pixels = pixels;
    if (!pixels) {
      for (const b of this.#bars) b.update(null);
      this.#dirty = false;
      return;
    }
    this.#dirty = true;
    this.#send();
  }

  #send() {
    if (!this.#dirty || !this.#pixels) return;
    if (this.#waiting > 0 && performance.now() - this.#sentAt < 2000) return;
    this.#dirty = false;
    this.#requestId += 1;
    this.#sentAt = performance.now();
    this.#waiting = this.#predict(normalizeForEngine(this.#pixels), this.#requestId);
  }

  restyle() {
    this.#pad.restyle();
    this.#bars.forEach((b, i) => b.restyle(runColor(i)));
  }
}
