// The charts every run draws into, overlaid: training and test loss, training and test
// accuracy, the train-mode minus eval-mode accuracy gap, and the time per step; plus a table of
// the per-epoch figures. Each chart has the table/PNG/SVG/CSV toolbar. It renders what main.js
// hands it (smoothed losses, evaluations); it never talks to a worker.
import { LineChart, percentRange } from '../charts/line_chart.js';
import { RUN_DASHES, RUN_NAMES, runColor } from '../charts/palette.js';
import { Smoother } from '../charts/smooth.js';
import { h } from './dom.js';
import { formatPercent, normLabel } from './explain.js';
import { lineChartTools } from './figure.js';

const pct = (v) => `${+v.toFixed(1)}%`;

export class SharedCharts {
  #charts = {};
  #tools = [];
  #norms = [];
  #smoothers = [];
  #raw = []; // per run: {loss: [], accuracy: []} of every step, by step
  #tests = []; // per run: Map epoch → test result after its last step
  #stepsPerEpoch = 0;
  #epochBox;
  #lastLoss = []; // per run: the last smoothed training loss recorded, {step, loss}

  // figures: {loss, accuracy, gap, time} chart elements (inside their <figure>s); epochBox:
  // where the per-epoch table goes.
  constructor(figures, epochBox) {
    this.#epochBox = epochBox;
    const c = this.#charts;
    c.loss = new LineChart(figures.loss, { xLabel: 'training step', yLabel: 'loss (log scale)', yLog: true, series: [] });
    c.accuracy = new LineChart(figures.accuracy, { xLabel: 'training step', yLabel: 'accuracy (%)', series: [], yFormat: pct, yRange: percentRange });
    c.gap = new LineChart(figures.gap, { xLabel: 'training step', yLabel: 'points', series: [] });
    c.time = new LineChart(figures.time, { xLabel: 'training step', yLabel: 'ms per step', series: [] });
    const names = { loss: 'training and test loss', accuracy: 'training and test accuracy', gap: 'train minus eval accuracy', time: 'time per step' };
    for (const [key, el] of Object.entries(figures)) this.#tools.push(lineChartTools(el.closest('figure'), c[key], names[key]));
  }

  // The runs' norms (one entry per run); clears everything.
  reset(norms, stepsPerEpoch = 0) {
    this.#norms = norms;
    this.#stepsPerEpoch = stepsPerEpoch;
    this.#smoothers = norms.map(() => ({ loss: new Smoother(0.95), accuracy: new Smoother(0.95) }));
    this.#raw = norms.map(() => ({ loss: [], accuracy: [] }));
    this.#tests = norms.map(() => new Map());
    this.#lastLoss = norms.map(() => null);
    this.#restyleSeries();
    this.#renderEpochs();
  }

  set stepsPerEpoch(n) {
    this.#stepsPerEpoch = n;
  }

  // Run i's worker was replaced and the run goes on from `step`: the steps after it are
  // dropped (the run records them again) and the smoothing is rebuilt from the steps before, so
  // the replayed lines come out as they were.
  resumeAt(i, step) {
    const raw = this.#raw[i];
    raw.loss.length = Math.min(raw.loss.length, step);
    raw.accuracy.length = Math.min(raw.accuracy.length, step);
    const sm = { loss: new Smoother(0.95), accuracy: new Smoother(0.95) };
    for (let k = 0; k < raw.loss.length; ++k) {
      sm.loss.push(raw.loss[k]);
      sm.accuracy.push(100 * raw.accuracy[k]);
    }
    this.#smoothers[i] = sm;
    for (const e of [...this.#tests[i].keys()]) if ((e + 1) * this.#stepsPerEpoch > step) this.#tests[i].delete(e);
    this.#renderEpochs();
  }

  #series(kind) {
    return this.#norms.map((norm, i) => ({ label: `${RUN_NAMES[i]}: ${normLabel(norm)}${kind ? ` ${kind}` : ''}`, color: runColor(i), dash: RUN_DASHES[i], run: RUN_NAMES[i] }));
  }

  #restyleSeries() {
    const c = this.#charts;
    const train = this.#series('training');
    const test = this.#series('test').map((s) => ({ ...s, points: true, width: 1 }));
    const diverged = this.#series('diverged here').map((s) => ({ ...s, points: true, line: false }));
    c.loss.reset([...train, ...test, ...diverged]);
    c.accuracy.reset([...train.map((s) => ({ ...s, width: 1 })), ...test.map((s) => ({ ...s, width: 2 }))]);
    c.gap.reset(this.#series('').map((s) => ({ ...s, points: true })));
    c.time.reset(this.#series(''));
  }

  // A steps event of run i: smoothed training loss and accuracy, and the time per step.
  // Returns the last smoothed loss (the run panel shows it).
  steps(i, ev) {
    const n = this.#norms.length;
    const sm = this.#smoothers[i];
    const lossRows = [];
    const accRows = [];
    let last = null;
    const raw = this.#raw[i];
    for (let k = 0; k < ev.loss.length; ++k) {
      const step = ev.first + k;
      raw.loss[step] = ev.loss[k];
      raw.accuracy[step] = ev.accuracy[k];
      last = sm.loss.push(ev.loss[k]);
      const acc = sm.accuracy.push(100 * ev.accuracy[k]);
      lossRows.push(this.#row(3 * n, i, step, last));
      accRows.push(this.#row(2 * n, i, step, acc));
    }
    this.#charts.loss.append(lossRows);
    this.#charts.accuracy.append(accRows);
    this.#lastLoss[i] = { step: ev.first + ev.loss.length - 1, loss: last };
    // The first step also compiles and warms up the kernels: it is left out.
    if (ev.chunkMs && ev.first > 0) this.#charts.time.append([this.#row(n, i, ev.first + ev.loss.length, ev.chunkMs)]);
    return last;
  }

  // Run i diverged: a marker on the loss chart where its line ends (the history stays).
  diverged(i) {
    const last = this.#lastLoss[i];
    if (!last || !Number.isFinite(last.loss)) return;
    const n = this.#norms.length;
    this.#charts.loss.append([this.#row(3 * n, 2 * n + i, last.step, last.loss)]);
  }

  // An eval event of run i: test loss and accuracy, and the train/eval gap when there is one.
  eval(i, ev) {
    const n = this.#norms.length;
    this.#charts.loss.append([this.#row(3 * n, n + i, ev.step, ev.test.loss)]);
    this.#charts.accuracy.append([this.#row(2 * n, n + i, ev.step, 100 * ev.test.accuracy)]);
    if (ev.trainMode) this.#charts.gap.append([this.#row(n, i, ev.step, 100 * (ev.trainMode.accuracy - ev.test.accuracy))]);
    if (this.#stepsPerEpoch && ev.step > 0 && ev.step % this.#stepsPerEpoch === 0) {
      this.#tests[i].set(ev.step / this.#stepsPerEpoch - 1, ev.test);
      this.#renderEpochs();
    }
  }

  #row(width, column, step, value) {
    const row = new Array(width + 1).fill(null);
    row[0] = step;
    row[column + 1] = value;
    return row;
  }

  // One row per finished epoch and run: mean training loss and accuracy over its steps, and the
  // test loss and accuracy after its last step.
  #renderEpochs() {
    const rows = [];
    this.#tests.forEach((tests, i) => {
      for (const [e, test] of [...tests.entries()].sort((a, b) => a[0] - b[0])) {
        const { loss, accuracy } = this.#raw[i];
        let lossSum = 0;
        let accSum = 0;
        let count = 0;
        for (let s = e * this.#stepsPerEpoch; s < (e + 1) * this.#stepsPerEpoch; ++s) {
          if (!Number.isFinite(loss[s])) continue;
          lossSum += loss[s];
          accSum += accuracy[s];
          count += 1;
        }
        rows.push(
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `${RUN_NAMES[i]}: ${normLabel(this.#norms[i])}`),
            h('td', {}, String(e + 1)),
            h('td', {}, count ? (lossSum / count).toFixed(4) : '–'),
            h('td', {}, count ? formatPercent(accSum / count) : '–'),
            h('td', {}, test.loss.toFixed(4)),
            h('td', {}, formatPercent(test.accuracy)),
          ),
        );
      }
    });
    if (!rows.length) {
      this.#epochBox.replaceChildren(h('p', { class: 'note' }, 'A row per run appears here at the end of each epoch.'));
      return;
    }
    this.#epochBox.replaceChildren(
      h(
        'table',
        { class: 'data-table epoch-table' },
        h('caption', {}, 'Per epoch: training figures are means over the epoch’s batches (train mode); test figures come from the evaluation after its last step (eval mode).'),
        h('thead', {}, h('tr', {}, ...['Run', 'Epoch', 'Training loss', 'Training accuracy', 'Test loss', 'Test accuracy'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows),
      ),
    );
  }

  // After pauses: open tables show the latest numbers.
  refresh() {
    for (const t of this.#tools) t.refresh();
  }

  // Every chart's data, named, for the whole-session export.
  snapshots() {
    return Object.entries(this.#charts).map(([name, chart]) => ({ name, snapshot: chart.snapshot() }));
  }

  // Run colours differ between light and dark; the data stays.
  restyle() {
    const runs = Math.max(1, this.#norms.length);
    for (const c of Object.values(this.#charts)) c.restyle({ series: c.snapshot().series.map((s, k) => ({ ...s, color: runColor(k % runs) })) });
  }
}
