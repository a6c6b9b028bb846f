// One run's panel: what it is (norm, parameters, cost), how far it got, what went wrong, and
// its own charts: train- vs eval-mode test accuracy, BatchNorm's running mean and variance
// per channel (first BatchNorm layer), and one layer's activation percentile band.
import { BandChart } from '../charts/band_chart.js';
import { LineChart, percentRange } from '../charts/line_chart.js';
import { channelColor, RUN_DASHES, RUN_NAMES, runColor } from '../charts/palette.js';
import { h, swatch } from './dom.js';
import { formatCount, formatFlops, formatPercent, normLabel } from './explain.js';

const MAX_CHANNELS = 16;
const pct = (v) => `${+v.toFixed(1)}%`;

function figure(id, title, caption, extra = null) {
  const chart = h('div', { class: 'chart', id });
  const fig = h(
    'figure',
    { class: 'chart-figure', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-caption` },
    h('h4', { id: `${id}-title` }, title),
    extra,
    chart,
    h('figcaption', { id: `${id}-caption` }, caption),
  );
  return { fig, chart };
}

export class RunPanel {
  #index;
  #onRestart;
  #el;
  #parts = {};
  #charts = {};
  #config = null;
  #stepsPerEpoch = 1;
  #layerHistory = new Map();
  #layer = null;
  #hasRunningStats = null;
  #bnName = null; // the first BatchNorm layer, whose running statistics are charted
  #channels = { shown: 0, total: 0 };
  // What the experiment card reads.
  summary = {};

  constructor(container, index, { onRestart }) {
    this.#index = index;
    this.#onRestart = onRestart;
    this.#build(container);
  }

  get element() {
    return this.#el;
  }

  #build(container) {
    const i = this.#index;
    const name = RUN_NAMES[i];
    const p = this.#parts;
    p.title = h('span', {}, `Run ${name}`);
    p.swatch = h('span', { class: 'swatch-box' }, swatch(runColor(i), RUN_DASHES[i]));
    p.meta = h('p', { class: 'run-meta' }, 'Loading the engine and the digits…');
    p.status = h('p', { class: 'run-status', id: `run-${i}-status` }, 'step 0');
    p.message = h('div', { class: 'run-message', role: 'alert', hidden: true });
    const te = figure(
      `run-${i}-train-eval`,
      'Test accuracy: eval mode vs train mode',
      'The same weights scored on the test digits twice: with the running statistics a deployed model uses (eval mode) and with each test batch of 500 normalizing itself (train mode); the modes differ only for BatchNorm.',
    );
    const rm = figure(
      `run-${i}-running-mean`,
      'BatchNorm running mean per channel',
      'The running estimate of each channel’s mean in the first BatchNorm layer (one line per channel): what that layer will subtract at test time.',
    );
    const rv = figure(
      `run-${i}-running-var`,
      'BatchNorm running variance per channel',
      'The running estimate of each channel’s variance in the same layer: what it will divide by (its square root) at test time.',
    );
    p.layerSelect = h('select', { id: `run-${i}-layer`, 'aria-label': `Layer shown in run ${name}'s activation chart` });
    p.layerSelect.addEventListener('change', () => this.#showLayer(p.layerSelect.value));
    const band = figure(
      `run-${i}-band`,
      'Activations of one layer',
      'The median and the band from the 15th to the 85th percentile of the chosen layer’s outputs on the training batch: a normalization keeps this band steady while the weights change.',
      h('label', { class: 'layer-pick', for: `run-${i}-layer` }, 'Layer ', p.layerSelect),
    );
    p.bnNote = h('p', { class: 'note' });
    p.noBn = h('p', { class: 'note', hidden: true }, 'This run has no BatchNorm layer, so it keeps no running statistics.');
    p.bnFigures = [rm.fig, rv.fig, p.bnNote];
    this.#el = h(
      'section',
      { class: `run-panel run-${i}`, 'aria-labelledby': `run-${i}-heading` },
      h('h3', { id: `run-${i}-heading` }, p.swatch, ' ', p.title),
      p.meta,
      p.status,
      p.message,
      h('div', { class: 'run-charts' }, te.fig, band.fig, rm.fig, rv.fig, p.noBn),
      p.bnNote,
    );
    container.append(this.#el);
    const color = runColor(i);
    this.#charts.trainEval = new LineChart(te.chart, {
      xLabel: 'training step',
      yLabel: 'test accuracy (%)',
      series: this.#trainEvalSeries(color),
      yFormat: pct,
      yRange: percentRange,
    });
    this.#charts.mean = new LineChart(rm.chart, { xLabel: 'training step', yLabel: 'running mean', series: [], legend: false });
    this.#charts.var = new LineChart(rv.chart, { xLabel: 'training step', yLabel: 'running variance', series: [], legend: false });
    this.#charts.band = new BandChart(band.chart, { color });
  }

  #trainEvalSeries(color) {
    return [
      { label: 'eval mode', color, points: true },
      { label: 'train mode', color, dash: [3, 3], points: true, width: 1.5 },
    ];
  }

  // A new run with `config` (web/protocol.js) is being built: forget everything.
  reset(config) {
    this.#config = config;
    this.#parts.title.textContent = `Run ${RUN_NAMES[this.#index]}: ${normLabel(config.norm)}`;
    this.#parts.meta.textContent = 'Building the model…';
    this.#parts.status.textContent = 'step 0';
    this.#hideMessage();
    this.#layerHistory = new Map();
    this.#layer = null;
    this.#hasRunningStats = null;
    this.#channels = { shown: 0, total: 0 };
    this.#parts.bnNote.textContent = '';
    this.#parts.layerSelect.replaceChildren();
    this.#parts.noBn.hidden = true;
    for (const f of this.#parts.bnFigures) f.hidden = false;
    this.#charts.trainEval.reset();
    this.#charts.mean.reset([]);
    this.#charts.var.reset([]);
    this.#charts.band.reset();
    this.summary = { norm: config.norm, step: 0, loss: null, accuracy: null, trainModeAccuracy: null, evals: [], valuesPerStatistic: null, status: 'loading' };
  }

  ready(ev) {
    const { info } = ev;
    this.#stepsPerEpoch = ev.stepsPerEpoch;
    const perStep = info.trainingFlops * this.#config.batchSize;
    this.#parts.meta.textContent =
      `${formatCount(info.parameters)} parameters · ${formatFlops(info.trainingFlops)} per training sample ` +
      `(${formatFlops(perStep)} per step at batch ${this.#config.batchSize}) · ${formatCount(ev.stepsPerEpoch)} steps per epoch`;
    const options = info.layers.map((l) =>
      h('option', { value: l.name }, `${l.name} · ${l.kind} (${l.output.slice(1).join('×')})`),
    );
    this.#parts.layerSelect.replaceChildren(...options);
    const firstNorm = info.layers.find((l) => /norm/.test(l.kind));
    this.#showLayer((firstNorm ?? info.layers[0]).name);
    this.summary.status = 'ready';
    this.#renderStatus();
  }

  steps(ev, smoothedLoss) {
    this.summary.step = ev.first + ev.loss.length;
    this.summary.loss = smoothedLoss;
    this.summary.epoch = ev.epoch;
    this.summary.msPerStep = ev.msPerStep;
    this.#renderStatus();
  }

  eval(ev) {
    this.summary.accuracy = ev.test.accuracy;
    this.summary.trainModeAccuracy = ev.trainMode?.accuracy ?? null;
    this.summary.evals.push({ step: ev.step, accuracy: ev.test.accuracy, trainModeAccuracy: this.summary.trainModeAccuracy });
    const train = ev.trainMode ? 100 * ev.trainMode.accuracy : 100 * ev.test.accuracy;
    this.#charts.trainEval.append([[ev.step, 100 * ev.test.accuracy, train]]);
    this.#renderStatus();
  }

  probes(samples) {
    const first = samples[0].norms[0];
    if (first && this.summary.valuesPerStatistic === null) this.summary.valuesPerStatistic = first.valuesPerStatistic;
    const bn = samples[0].norms.find((n) => n.kind === 'batch_norm2d');
    if (this.#hasRunningStats === null) {
      this.#hasRunningStats = !!bn;
      this.#parts.noBn.hidden = !!bn;
      for (const f of this.#parts.bnFigures) f.hidden = !bn;
      if (bn) {
        this.#channels = { shown: Math.min(bn.runningMean.length, MAX_CHANNELS), total: bn.runningMean.length };
        this.#charts.mean.reset(this.#channelSeries());
        this.#charts.var.reset(this.#channelSeries());
        this.#bnName = bn.name;
        const more = this.#channels.total > this.#channels.shown ? ` The first ${this.#channels.shown} of its ${this.#channels.total} channels are drawn.` : '';
        this.#parts.bnNote.textContent = `Layer ${bn.name}, ${this.#channels.total} channels.${more}`;
      }
    }
    if (this.#hasRunningStats) {
      const rowsMean = [];
      const rowsVar = [];
      for (const s of samples) {
        const n = s.norms.find((x) => x.name === this.#bnName);
        if (!n) continue;
        rowsMean.push([s.step, ...Array.from(n.runningMean.subarray(0, MAX_CHANNELS))]);
        rowsVar.push([s.step, ...Array.from(n.runningVar.subarray(0, MAX_CHANNELS))]);
      }
      this.#charts.mean.append(rowsMean);
      this.#charts.var.append(rowsVar);
    }
    for (const s of samples) {
      for (const a of s.activations) {
        if (!this.#layerHistory.has(a.name)) this.#layerHistory.set(a.name, []);
        this.#layerHistory.get(a.name).push({ step: s.step, p15: a.p15, p50: a.p50, p85: a.p85 });
      }
    }
    const shown = samples.flatMap((s) => s.activations.filter((a) => a.name === this.#layer).map((a) => ({ step: s.step, p15: a.p15, p50: a.p50, p85: a.p85 })));
    if (shown.length) this.#charts.band.append(shown);
  }

  #channelSeries() {
    return Array.from({ length: this.#channels.shown }, (_, c) => ({ label: `channel ${c}`, color: channelColor(c), width: 1.5 }));
  }

  #showLayer(name) {
    this.#layer = name;
    this.#parts.layerSelect.value = name;
    this.#charts.band.reset();
    const history = this.#layerHistory.get(name);
    if (history?.length) this.#charts.band.append(history);
  }

  idle() {
    this.#renderStatus();
  }

  diverged(text) {
    this.summary.status = 'diverged';
    this.#showMessage(text, null);
    this.#renderStatus();
  }

  crashed(text) {
    this.summary.status = 'crashed';
    this.#showMessage(text, h('button', { type: 'button', class: 'restart', onclick: () => this.#onRestart(this.#index) }, `Restart run ${RUN_NAMES[this.#index]}`));
    this.#renderStatus();
  }

  failed(message) {
    this.summary.status = 'failed';
    this.#showMessage({ title: `Run ${RUN_NAMES[this.#index]} could not start.`, why: message, detail: '' }, null);
    this.#parts.meta.textContent = '';
    this.#renderStatus();
  }

  #showMessage({ title, why, detail }, action) {
    const m = this.#parts.message;
    const parts = [h('p', { class: 'message-title' }, title), h('p', {}, why)];
    if (detail) parts.push(h('p', { class: 'message-detail' }, detail));
    if (action) parts.push(action);
    m.replaceChildren(...parts);
    m.hidden = false;
  }

  #hideMessage() {
    this.#parts.message.hidden = true;
    this.#parts.message.replaceChildren();
  }

  #renderStatus() {
    const s = this.summary;
    const parts = [`step ${formatCount(s.step)}`, `epoch ${(s.step / this.#stepsPerEpoch).toFixed(2)}`];
    if (s.loss !== null && s.loss !== undefined) parts.push(`loss ${s.loss.toPrecision(3)}`);
    if (s.accuracy !== null) parts.push(`test accuracy ${formatPercent(s.accuracy)}`);
    if (s.msPerStep) parts.push(`${s.msPerStep.toFixed(1)} ms per step`);
    if (s.status === 'diverged') parts.push('stopped: diverged');
    if (s.status === 'crashed') parts.push('stopped: worker crashed');
    if (s.status === 'failed') parts.push('not started');
    this.#parts.status.textContent = parts.join(' · ');
    // Read by the end-to-end test (and handy when debugging).
    this.#el.dataset.step = String(s.step);
    this.#el.dataset.status = s.status;
    this.#el.dataset.accuracy = s.accuracy === null ? '' : String(s.accuracy);
  }

  // After a colour-scheme change: axis colours and run colours are read again.
  restyle() {
    const color = runColor(this.#index);
    this.#parts.swatch.replaceChildren(swatch(color, RUN_DASHES[this.#index]));
    this.#charts.trainEval.restyle({ series: this.#trainEvalSeries(color) });
    this.#charts.band.restyle(color);
    for (const c of [this.#charts.mean, this.#charts.var]) c.restyle({ series: this.#channelSeries() });
  }

  destroy() {
    for (const c of Object.values(this.#charts)) c.destroy();
    this.#el.remove();
  }
}
