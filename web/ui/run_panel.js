// One run's panel: what it is (norm, parameters, cost), how far it got, what went wrong, its
// weights (download, upload), and its own charts in four views (tabs shared by all panels):
//  overview  test accuracy in eval vs train mode; one layer's input and output (percentile
//            bands, mean and standard deviation) — a norm layer by default
//  stats     a norm layer's running mean/variance per channel (BatchNorm) beside the true
//            values for the weights of the moment, and its gamma/beta per channel
//  gradients gradient norm and update/weight ratio of every weight tensor
//  mistakes  the confusion matrix and the most confidently misclassified test digits
// It renders what it is sent; it never talks to a worker.
import { BandChart } from '../charts/band_chart.js';
import { ConfusionMatrix } from '../charts/confusion_matrix.js';
import { DigitGallery } from '../charts/digit_gallery.js';
import { LineChart, percentRange } from '../charts/line_chart.js';
import { channelColor, RUN_DASHES, RUN_NAMES, runColor } from '../charts/palette.js';
import { addChartTools } from './chart_tools.js';
import { h, swatch } from './dom.js';
import { formatCount, formatFlops, formatPercent, normLabel } from './explain.js';
import { chartFigure, lineChartTools } from './figure.js';

const MAX_CHANNELS = 16;
const TRAIN_EVAL_CAPTION = (batch) =>
  `The same weights scored on the test digits twice: with the running statistics a deployed model uses (eval mode) and with each test batch of ${batch} normalizing itself (train mode); the modes differ only for BatchNorm (and dropout).`; // channels (and gamma/beta values) drawn per norm layer
const pct = (v) => `${+v.toFixed(1)}%`;
const isNorm = (kind) => /norm/.test(kind);

export class RunPanel {
  #index;
  #callbacks;
  #el;
  #parts = {};
  #charts = {};
  #tools = [];
  #config = null;
  #stepsPerEpoch = 1;
  #layers = []; // model.info.layers
  #activations = new Map(); // layer name → [{step, mean, std, p15, p50, p85}]
  #norms = new Map(); // norm layer name → [{step, runningMean, runningVar, gamma, beta}]
  #population = new Map(); // norm layer name → [{step, mean, var}]
  #weightNames = [];
  #params = []; // probe samples' params: [{step, params}]
  #shown = 0; // channels drawn of the stats view's norm layer
  #layer = null; // the overview's layer
  #norm = null; // the stats view's norm layer
  // What the experiment cards and the page read.
  summary = {};

  // callbacks: {onRestart(i), onSave(i), onLoadWeights(i, file), onForgetWeights(i)}
  constructor(container, index, callbacks) {
    this.#index = index;
    this.#callbacks = callbacks;
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
    p.weightsNote = h('p', { class: 'note weights-note', hidden: true });
    p.file = h('input', { type: 'file', accept: '.nlab,application/octet-stream', class: 'visually-hidden', id: `run-${i}-weights-file`, tabindex: -1 });
    p.file.addEventListener('change', () => {
      const file = p.file.files?.[0];
      p.file.value = '';
      if (file) this.#callbacks.onLoadWeights(i, file);
    });
    p.forget = h('button', { type: 'button', class: 'small', hidden: true, onclick: () => this.#callbacks.onForgetWeights(i) }, 'Use fresh weights');
    const actions = h(
      'div',
      { class: 'run-actions', role: 'group', 'aria-label': `Weights of run ${name}` },
      h('button', { type: 'button', class: 'small', id: `run-${i}-save`, onclick: () => this.#callbacks.onSave(i) }, 'Download weights'),
      h('button', { type: 'button', class: 'small', id: `run-${i}-load`, onclick: () => p.file.click() }, 'Load weights…'),
      p.forget,
      p.file,
    );

    // overview
    p.layerSelect = h('select', { id: `run-${i}-layer`, 'aria-label': `Layer shown in run ${name}'s activation charts` });
    p.layerSelect.addEventListener('change', () => this.#showLayer(p.layerSelect.value));
    const te = chartFigure(
      `run-${i}-train-eval`,
      'Test accuracy: eval mode vs train mode',
      TRAIN_EVAL_CAPTION(500),
      { view: 'overview' },
    );
    const pick = h('div', { class: 'layer-pick view-overview' }, h('label', { for: `run-${i}-layer` }, 'Layer'), p.layerSelect);
    const bandIn = chartFigure(`run-${i}-band-in`, 'Its input', 'Median and the 15th–85th percentile band of the values that enter the chosen layer (the previous layer’s outputs on the training batch).', { view: 'overview' });
    const bandOut = chartFigure(
      `run-${i}-band`,
      'Its output',
      'Median and the 15th–85th percentile band of the chosen layer’s outputs: a normalization layer keeps this band steady while the weights below it change.',
      { view: 'overview' },
    );
    const moments = chartFigure(
      `run-${i}-moments`,
      'Mean and standard deviation, in and out',
      'Mean and standard deviation over all values of the batch, of the chosen layer’s input (dashed) and output (solid).',
      { view: 'overview' },
    );
    p.noInput = h('p', { class: 'note view-overview', hidden: true }, 'The first layer’s input is the image itself.');
    p.bandIn = bandIn.fig;

    // stats
    p.normSelect = h('select', { id: `run-${i}-norm-layer`, 'aria-label': `Norm layer shown in run ${name}'s statistics charts` });
    p.normSelect.addEventListener('change', () => this.#showNorm(p.normSelect.value));
    p.normPick = h('div', { class: 'layer-pick view-stats' }, h('label', { for: `run-${i}-norm-layer` }, 'Norm layer'), p.normSelect);
    const rm = chartFigure(
      `run-${i}-running-mean`,
      'Running mean per channel',
      'Lines: the running estimate of each channel’s mean, what the layer subtracts in eval mode. Dots: the true value for the weights of that step (batch means averaged over training digits), what the running estimate tracks.',
      { view: 'stats' },
    );
    const rv = chartFigure(
      `run-${i}-running-var`,
      'Running variance per channel',
      'Lines: the running estimate of each channel’s (unbiased) variance, whose square root the layer divides by in eval mode. Dots: the true values, as for the mean.',
      { view: 'stats' },
    );
    const gamma = chartFigure(`run-${i}-gamma`, 'Gamma (scale)', 'The learned scale γ the layer multiplies its normalized values by, per channel (or per value, for LayerNorm over C×H×W): the first 16.', { view: 'stats' });
    const beta = chartFigure(`run-${i}-beta`, 'Beta (shift)', 'The learned shift β the layer adds after scaling, for the same channels.', { view: 'stats' });
    p.noRunning = h('p', { class: 'note view-stats', hidden: true }, 'This layer keeps no running statistics: only BatchNorm does. LayerNorm, GroupNorm and InstanceNorm normalize each sample with its own statistics, in training and at test time alike.');
    p.noNorm = h('p', { class: 'note view-stats', hidden: true }, 'This run has no normalization layer.');
    p.runningFigures = [rm.fig, rv.fig];
    p.affineFigures = [gamma.fig, beta.fig];
    p.statsNote = h('p', { class: 'note view-stats' });

    // gradients
    const grad = chartFigure(
      `run-${i}-grad-norm`,
      'Gradient norm per layer',
      'The L2 norm of each weight tensor’s gradient on the probed training batches (log scale). Without normalization the layers’ gradients often drift apart by orders of magnitude (values beyond 10^±15 are drawn at the edge).',
      { view: 'gradients' },
    );
    const ratio = chartFigure(
      `run-${i}-update-ratio`,
      'Update size / weight size per layer',
      '‖Δw‖ / ‖w‖ of each weight tensor at the probed steps (log scale): how much of a layer one step changes. A common rule of thumb puts a healthy value near 10⁻³.',
      { view: 'gradients' },
    );

    // mistakes
    p.confusion = h('figure', { class: 'chart-figure view-mistakes', 'aria-labelledby': `run-${i}-confusion-title` }, h('h4', { id: `run-${i}-confusion-title` }, 'Confusion matrix'));
    p.confusionBox = h('div', { class: 'confusion-box', id: `run-${i}-confusion` });
    p.confusion.append(p.confusionBox, h('figcaption', {}, 'Test digits by true digit (rows) and predicted digit (columns), at the latest evaluation, in eval mode.'));
    p.gallery = h('figure', { class: 'chart-figure view-mistakes', 'aria-labelledby': `run-${i}-gallery-title` }, h('h4', { id: `run-${i}-gallery-title` }, 'Most confident mistakes'));
    p.galleryBox = h('div', { id: `run-${i}-gallery` });
    p.gallery.append(p.galleryBox, h('figcaption', {}, 'The misclassified test digits the network was surest about at the latest evaluation: true digit → predicted (its probability).'));

    this.#el = h(
      'section',
      { class: `run-panel run-${i}`, 'aria-labelledby': `run-${i}-heading` },
      h('h3', { id: `run-${i}-heading` }, p.swatch, ' ', p.title),
      p.meta,
      p.status,
      p.message,
      actions,
      p.weightsNote,
      h(
        'div',
        { class: 'run-charts' },
        te.fig,
        pick,
        p.noInput,
        bandIn.fig,
        bandOut.fig,
        moments.fig,
        p.normPick,
        p.noNorm,
        p.noRunning,
        rm.fig,
        rv.fig,
        gamma.fig,
        beta.fig,
        p.statsNote,
        grad.fig,
        ratio.fig,
        p.confusion,
        p.gallery,
      ),
    );
    container.append(this.#el);

    const color = runColor(i);
    const c = this.#charts;
    c.trainEval = new LineChart(te.chart, { xLabel: 'training step', yLabel: 'test accuracy (%)', series: this.#trainEvalSeries(color), yFormat: pct, yRange: percentRange });
    c.bandIn = new BandChart(bandIn.chart, { color: channelColor(4) });
    c.band = new BandChart(bandOut.chart, { color });
    c.moments = new LineChart(moments.chart, { xLabel: 'training step', yLabel: 'value', series: this.#momentSeries() });
    c.mean = new LineChart(rm.chart, { xLabel: 'training step', yLabel: 'running mean', series: [], legend: false });
    c.var = new LineChart(rv.chart, { xLabel: 'training step', yLabel: 'running variance', series: [], legend: false });
    c.gamma = new LineChart(gamma.chart, { xLabel: 'training step', yLabel: 'γ', series: [], legend: false });
    c.beta = new LineChart(beta.chart, { xLabel: 'training step', yLabel: 'β', series: [], legend: false });
    c.grad = new LineChart(grad.chart, { xLabel: 'training step', yLabel: 'gradient norm (log)', yLog: true, series: [] });
    c.ratio = new LineChart(ratio.chart, { xLabel: 'training step', yLabel: '‖Δw‖/‖w‖ (log)', yLog: true, series: [] });
    const runName = `run ${name}`;
    for (const [fig, chart, file] of [
      [te.fig, c.trainEval, `${runName} train vs eval accuracy`],
      [bandIn.fig, c.bandIn, `${runName} layer input`],
      [bandOut.fig, c.band, `${runName} layer output`],
      [moments.fig, c.moments, `${runName} layer mean and std`],
      [rm.fig, c.mean, `${runName} running mean`],
      [rv.fig, c.var, `${runName} running variance`],
      [gamma.fig, c.gamma, `${runName} gamma`],
      [beta.fig, c.beta, `${runName} beta`],
      [grad.fig, c.grad, `${runName} gradient norms`],
      [ratio.fig, c.ratio, `${runName} update ratios`],
    ]) {
      this.#tools.push(lineChartTools(fig, chart, file));
    }
    c.confusion = new ConfusionMatrix(p.confusionBox, { label: `Run ${name}: confusion matrix of the test digits` });
    this.#tools.push(
      addChartTools(p.confusion, null, () => c.confusion.canvas, `${runName} confusion matrix`, {
        table: () => c.confusion.tableElement(),
        svg: () => c.confusion.toSVG(),
        csv: () => c.confusion.toCSV(),
      }),
    );
    c.gallery = new DigitGallery(p.galleryBox);
  }

  #trainEvalSeries(color) {
    return [
      { label: 'eval mode', color, points: true },
      { label: 'train mode', color, dash: [3, 3], points: true, width: 1.5 },
    ];
  }

  #momentSeries() {
    const mean = channelColor(0);
    const std = channelColor(1);
    return [
      { label: 'mean in', color: mean, dash: [6, 4], width: 1.5 },
      { label: 'mean out', color: mean },
      { label: 'std in', color: std, dash: [6, 4], width: 1.5 },
      { label: 'std out', color: std },
    ];
  }

  // A new run with `config` (web/protocol.js) is being built: forget everything.
  // weightsName: the file the run starts from, if any.
  reset(config, { weightsName = null } = {}) {
    this.#config = config;
    const p = this.#parts;
    p.title.textContent = `Run ${RUN_NAMES[this.#index]}: ${normLabel(config.norm)}`;
    p.meta.textContent = 'Building the model…';
    p.status.textContent = 'step 0';
    p.weightsNote.hidden = !weightsName;
    p.weightsNote.textContent = weightsName ? `Starts from the weights in “${weightsName}”.` : '';
    p.forget.hidden = !weightsName;
    this.#hideMessage();
    this.#activations = new Map();
    this.#norms = new Map();
    this.#population = new Map();
    this.#params = [];
    this.#weightNames = [];
    this.#layers = [];
    this.#layer = null;
    this.#norm = null;
    p.layerSelect.replaceChildren();
    p.normSelect.replaceChildren();
    for (const c of [this.#charts.trainEval, this.#charts.moments]) c.reset();
    for (const c of [this.#charts.band, this.#charts.bandIn]) c.reset();
    for (const c of [this.#charts.mean, this.#charts.var, this.#charts.gamma, this.#charts.beta, this.#charts.grad, this.#charts.ratio]) c.reset([]);
    this.#charts.confusion.update(new Int32Array(100));
    this.#charts.gallery.update([]);
    this.summary = { norm: config.norm, step: 0, loss: null, accuracy: null, trainModeAccuracy: null, evals: [], valuesPerStatistic: null, status: 'loading', msPerStep: null, mistakes: null };
  }

  // The run's worker is being replaced; it goes on from `step` (a checkpoint, or 0). The
  // history up to that step stays; what came after is dropped, since the run records it again.
  resumeAt(step) {
    const keep = (list) => list.filter((e) => e.step <= step);
    for (const map of [this.#activations, this.#norms, this.#population]) {
      for (const [k, list] of map) map.set(k, keep(list));
    }
    this.#params = keep(this.#params);
    this.summary.evals = keep(this.summary.evals);
    this.summary.status = 'loading';
    this.summary.step = step;
    this.#hideMessage();
    this.#parts.meta.textContent = step ? `Restarting from its checkpoint at step ${formatCount(step)}…` : 'Restarting from step 0…';
    this.#renderStatus();
  }

  ready(ev) {
    const { info } = ev;
    this.#stepsPerEpoch = ev.stepsPerEpoch;
    this.#layers = info.layers;
    this.#el.querySelector(`#run-${this.#index}-train-eval-caption`).textContent = TRAIN_EVAL_CAPTION(ev.evalBatchSize);
    const perStep = info.trainingFlops * this.#config.batchSize;
    this.#parts.meta.textContent =
      `${formatCount(info.parameters)} parameters · ${formatFlops(info.trainingFlops)} per training sample ` +
      `(${formatFlops(perStep)} per step at batch ${this.#config.batchSize}) · ${formatCount(ev.stepsPerEpoch)} steps per epoch`;
    const option = (l) => h('option', { value: l.name }, `${l.name} · ${l.kind} (${l.output.slice(1).join('×')})`);
    this.#parts.layerSelect.replaceChildren(...info.layers.map(option));
    const norms = info.layers.filter((l) => isNorm(l.kind));
    this.#parts.normSelect.replaceChildren(...norms.map(option));
    this.#parts.noNorm.hidden = norms.length > 0;
    this.#parts.normPick.hidden = norms.length === 0;
    this.#parts.statsNote.hidden = norms.length === 0;
    this.#showLayer((norms[0] ?? info.layers[0]).name);
    const firstBatchNorm = norms.find((l) => l.kind === 'batch_norm2d');
    this.#showNorm((firstBatchNorm ?? norms[0])?.name ?? null);
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
    const s = this.summary;
    s.accuracy = ev.test.accuracy;
    s.trainModeAccuracy = ev.trainMode?.accuracy ?? null;
    s.mistakes = ev.mistakes;
    const entry = { step: ev.step, accuracy: ev.test.accuracy, loss: ev.test.loss, trainModeAccuracy: s.trainModeAccuracy };
    if (ev.population) {
      entry.population = ev.population;
      // The running statistics of the same layer at (about) the same step, for the findings.
      const layer = ev.population.layers[0];
      const latest = layer && this.#norms.get(layer.name)?.at(-1);
      if (latest) entry.running = { name: layer.name, mean: latest.runningMeanAll, var: latest.runningVarAll };
      for (const l of ev.population.layers) {
        if (!this.#population.has(l.name)) this.#population.set(l.name, []);
        this.#population.get(l.name).push({ step: ev.step, mean: l.mean, var: l.var });
      }
      this.#appendPopulation(ev.step);
    }
    s.evals.push(entry);
    const train = ev.trainMode ? 100 * ev.trainMode.accuracy : 100 * ev.test.accuracy;
    this.#charts.trainEval.append([[ev.step, 100 * ev.test.accuracy, train]]);
    if (ev.test.confusion) this.#charts.confusion.update(ev.test.confusion);
    if (ev.mistakes) {
      const total = ev.test.confusion ? ev.test.confusion.reduce((a, v, k) => a + (k % 11 === 0 ? 0 : v), 0) : ev.mistakes.length;
      this.#charts.gallery.update(ev.mistakes, { total });
    }
    this.#renderStatus();
  }

  probes(samples) {
    const first = samples[0].norms[0];
    if (first && this.summary.valuesPerStatistic === null) this.summary.valuesPerStatistic = first.valuesPerStatistic;
    for (const s of samples) {
      for (const a of s.activations) {
        if (!this.#activations.has(a.name)) this.#activations.set(a.name, []);
        this.#activations.get(a.name).push({ step: s.step, mean: a.mean, std: a.std, p15: a.p15, p50: a.p50, p85: a.p85, unitP15: a.unitP15, unitP50: a.unitP50, unitP85: a.unitP85 });
      }
      for (const n of s.norms) {
        if (!this.#norms.has(n.name)) this.#norms.set(n.name, []);
        this.#norms.get(n.name).push({
          step: s.step,
          runningMean: n.runningMean.subarray(0, MAX_CHANNELS),
          runningVar: n.runningVar.subarray(0, MAX_CHANNELS),
          runningMeanAll: n.runningMean,
          runningVarAll: n.runningVar,
          gamma: n.gamma,
          beta: n.beta,
        });
      }
    }
    this.#appendLayer(samples.map((s) => s.step));
    this.#appendNorm(samples.map((s) => s.step));
    const params = samples.map((s) => ({ step: s.step, params: s.params }));
    this.#params.push(...params);
    this.#appendParams(params);
  }

  // Every chart's data, named, for the whole-session export.
  snapshots() {
    const c = this.#charts;
    const named = { 'train vs eval accuracy': c.trainEval, 'layer input': c.bandIn, 'layer output': c.band, 'layer mean and std': c.moments, 'running mean': c.mean, 'running variance': c.var, gamma: c.gamma, beta: c.beta, 'gradient norms': c.grad, 'update ratios': c.ratio };
    return Object.entries(named).map(([name, chart]) => ({ name, snapshot: chart.snapshot() }));
  }

  // Per-run unit percentiles of a layer (the Ioffe & Szegedy card reads them).
  unitHistory(layerName) {
    return (this.#activations.get(layerName) ?? []).map((a) => ({ step: a.step, p15: a.unitP15, p50: a.unitP50, p85: a.unitP85 }));
  }

  get layers() {
    return this.#layers;
  }

  #inputLayer(name) {
    const k = this.#layers.findIndex((l) => l.name === name);
    return k > 0 ? this.#layers[k - 1].name : null;
  }

  #showLayer(name) {
    this.#layer = name;
    this.#parts.layerSelect.value = name;
    const input = this.#inputLayer(name);
    this.#parts.bandIn.hidden = !input;
    this.#parts.noInput.hidden = !!input;
    this.#charts.band.reset();
    this.#charts.bandIn.reset();
    this.#charts.moments.reset();
    this.#appendLayer(null);
  }

  // Appends the overview charts' points for `steps` (null: the whole history).
  #appendLayer(steps) {
    if (!this.#layer) return;
    const pickSteps = (list) => (steps ? list.filter((a) => steps.includes(a.step)) : list);
    const out = pickSteps(this.#activations.get(this.#layer) ?? []);
    const inputName = this.#inputLayer(this.#layer);
    const inp = inputName ? pickSteps(this.#activations.get(inputName) ?? []) : [];
    if (out.length) this.#charts.band.append(out);
    if (inp.length) this.#charts.bandIn.append(inp);
    const byStep = new Map(inp.map((a) => [a.step, a]));
    const rows = out.map((a) => {
      const i = byStep.get(a.step);
      return [a.step, i ? i.mean : null, a.mean, i ? i.std : null, a.std];
    });
    if (rows.length) this.#charts.moments.append(rows);
  }

  #showNorm(name) {
    this.#norm = name;
    const p = this.#parts;
    if (name) p.normSelect.value = name;
    const layer = this.#layers.find((l) => l.name === name);
    const running = layer?.kind === 'batch_norm2d';
    for (const f of p.runningFigures) f.hidden = !running;
    p.noRunning.hidden = !layer || running;
    const channels = layer ? layer.output[1] : 0;
    const shown = Math.min(channels, MAX_CHANNELS);
    this.#shown = shown;
    const lines = (label) => Array.from({ length: shown }, (_, c) => ({ label: `${label} ${c}`, color: channelColor(c), width: 1.5 }));
    const dots = Array.from({ length: shown }, (_, c) => ({ label: `true value ${c}`, color: channelColor(c), points: true, line: false }));
    this.#charts.mean.reset([...lines('channel'), ...dots]);
    this.#charts.var.reset([...lines('channel'), ...dots]);
    this.#charts.gamma.reset(lines('value'));
    this.#charts.beta.reset(lines('value'));
    const more = channels > shown ? ` The first ${shown} of its ${channels} channels are drawn.` : '';
    p.statsNote.textContent = layer ? `Layer ${layer.name}: ${normLabel(this.#normOfKind(layer.kind))}, ${channels} channels.${more}` : '';
    this.#appendNorm(null);
    this.#appendPopulation(null);
  }

  #normOfKind(kind) {
    return { batch_norm2d: 'batch', layer_norm2d_channels: 'layer-channels', layer_norm2d_sample: 'layer-sample', group_norm: this.#config?.norm ?? 'group' }[kind] ?? kind;
  }

  #appendNorm(steps) {
    if (!this.#norm) return;
    const history = this.#norms.get(this.#norm) ?? [];
    const list = steps ? history.filter((n) => steps.includes(n.step)) : history;
    if (!list.length) return;
    const shown = this.#shown;
    const pad = (arr, width) => {
      const row = new Array(width).fill(null);
      for (let k = 0; k < Math.min(width, arr.length); ++k) row[k] = arr[k];
      return row;
    };
    if (list[0].runningMean.length) {
      this.#charts.mean.append(list.map((n) => [n.step, ...pad(n.runningMean, shown), ...new Array(shown).fill(null)]));
      this.#charts.var.append(list.map((n) => [n.step, ...pad(n.runningVar, shown), ...new Array(shown).fill(null)]));
    }
    const affine = list[0].gamma.length > 0;
    for (const f of this.#parts.affineFigures) f.hidden = !affine;
    if (affine) {
      this.#charts.gamma.append(list.map((n) => [n.step, ...pad(n.gamma, shown)]));
      this.#charts.beta.append(list.map((n) => [n.step, ...pad(n.beta, shown)]));
    }
  }

  // The true (population) values as dots at each evaluation; step null: the whole history.
  #appendPopulation(step) {
    if (!this.#norm) return;
    const history = this.#population.get(this.#norm) ?? [];
    const list = step === null ? history : history.filter((p) => p.step === step);
    if (!list.length) return;
    const shown = this.#shown;
    const row = (p, values) => [p.step, ...new Array(shown).fill(null), ...Array.from(values.subarray(0, shown))];
    this.#charts.mean.append(list.map((p) => row(p, p.mean)));
    this.#charts.var.append(list.map((p) => row(p, p.var)));
  }

  // Gradient norms and update ratios of the weight tensors (biases and norm parameters left
  // out: one line per layer). samples: [{step, params}]; rebuild: new series (colours).
  #appendParams(samples, rebuild = false) {
    if (!samples.length) return;
    const weights = samples[0].params.filter((p) => p.name.endsWith('weight')).map((p) => p.name);
    if (rebuild || weights.join() !== this.#weightNames.join()) {
      this.#weightNames = weights;
      const kindOf = (param) => this.#layers.find((l) => `${l.name}.weight` === param)?.kind ?? '';
      const series = weights.map((w, k) => ({ label: `${w.replace(/\.weight$/, '')} ${kindOf(w)}`.trim(), color: channelColor(k), dash: RUN_DASHES[Math.floor(k / 8) % RUN_DASHES.length], width: 1.5 }));
      this.#charts.grad.reset(series);
      this.#charts.ratio.reset(series.map((s) => ({ ...s })));
    }
    const rows = (key) =>
      samples.map((s) => {
        const byName = new Map(s.params.map((p) => [p.name, p[key]]));
        // A log axis cannot show 0 (a dead layer) or an overflow: leave the point out.
        return [s.step, ...this.#weightNames.map((n) => {
          const v = byName.get(n);
          return Number.isFinite(v) && v > 0 ? v : null;
        })];
      });
    this.#charts.grad.append(rows('gradNorm'));
    this.#charts.ratio.append(rows('updateRatio'));
  }

  idle() {
    this.#renderStatus();
    for (const t of this.#tools) t.refresh();
  }

  diverged(text) {
    this.summary.status = 'diverged';
    this.#showMessage(text, null);
    this.#renderStatus();
  }

  crashed(text) {
    this.summary.status = 'crashed';
    this.#showMessage(text, h('button', { type: 'button', class: 'restart', onclick: () => this.#callbacks.onRestart(this.#index) }, `Restart run ${RUN_NAMES[this.#index]}`));
    this.#renderStatus();
  }

  failed(message) {
    this.summary.status = 'failed';
    this.#showMessage({ title: `Run ${RUN_NAMES[this.#index]} could not start.`, why: message, detail: '' }, null);
    this.#parts.meta.textContent = '';
    this.#renderStatus();
  }

  // A problem that leaves the run as it was (a refused weights file, say).
  notice(title, why) {
    this.#showMessage({ title, why, detail: '' }, h('button', { type: 'button', class: 'small', onclick: () => this.#hideMessage() }, 'Dismiss'));
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
    const c = this.#charts;
    c.trainEval.restyle({ series: this.#trainEvalSeries(color) });
    c.band.restyle(color);
    c.bandIn.restyle(channelColor(4));
    c.moments.restyle({ series: this.#momentSeries() });
    // Channel colours differ between light and dark: rebuild those charts from the history.
    this.#showNorm(this.#norm);
    this.#appendParams(this.#params, true);
    c.confusion.restyle();
    c.gallery.restyle();
  }

  destroy() {
    for (const t of this.#tools) t.destroy();
    for (const c of Object.values(this.#charts)) c.destroy?.();
    this.#el.remove();
  }
}
