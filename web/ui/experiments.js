// The one-click experiments as tabbed cards (web/experiments.js holds what they are): what to
// look for, the papers' results, buttons that load the settings, findings written from the
// runs' own numbers, and the charts some experiments add (the batch-size sweep's error against
// batch size, Ioffe & Szegedy's input distribution of one sigmoid unit).
import { BandChart } from '../charts/band_chart.js';
import { LineChart } from '../charts/line_chart.js';
import { RUN_DASHES, RUN_NAMES, runColor } from '../charts/palette.js';
import { EXPERIMENTS } from '../experiments.js';
import { h } from './dom.js';
import { formatPercent, normLabel, trainEvalMeasurement } from './explain.js';
import { chartFigure, lineChartTools } from './figure.js';

// The first batch_norm2d layer of a probe sample, with its step: what runningStatsFindings reads.
function bnProbe(sample) {
  const n = sample?.norms?.find((x) => x.kind === 'batch_norm2d');
  return n ? { step: sample.step, ...n } : null;
}

function referenceTable({ batches, rows }) {
  return h(
    'table',
    { class: 'data-table reference-table' },
    h('caption', {}, 'Wu & He (2018), Table 2: ResNet-50 on ImageNet, validation error (%) by images per GPU.'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Norm'), ...batches.map((b) => h('th', { scope: 'col' }, String(b))))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.norm), ...r.error.map((e) => h('td', {}, e.toFixed(1)))))),
  );
}

export class ExperimentCards {
  #tabs = new Map();
  #cards = new Map();
  #findings = new Map();
  #shown = new Map();
  #probe = null; // latest BatchNorm probe of the first BatchNorm run
  #trainEval = new Map(); // "preset@batch@optimizer@lr" → latest train/eval measurement
  #sweepChart = null;
  #sweepTable = null;
  #sweepNorms = [];
  #unitCharts = [];
  #unitBox = null;
  #selected = null;

  // onLoad(experiment, variant): apply the variant's settings (and start it).
  constructor(container, { onLoad }) {
    const tablist = h('div', { class: 'experiment-tabs', role: 'tablist', 'aria-label': 'Experiments' });
    container.append(tablist);
    for (const ex of EXPERIMENTS) {
      const tab = h('button', { type: 'button', role: 'tab', id: `tab-${ex.id}`, 'aria-controls': ex.id, 'aria-selected': 'false', tabindex: -1 }, ex.title);
      tab.addEventListener('click', () => this.select(ex.id));
      tab.addEventListener('keydown', (e) => this.#onTabKey(e, ex.id));
      tablist.append(tab);
      this.#tabs.set(ex.id, tab);
      const findings = h('div', { class: 'findings', 'aria-live': 'polite', id: `${ex.id}-findings` });
      this.#findings.set(ex.id, findings);
      const extra = [];
      if (ex.referenceTable) extra.push(this.#buildSweep(ex));
      if (ex.unitCharts) extra.push(this.#buildUnits());
      const card = h(
        'article',
        { class: 'card', id: ex.id, role: 'tabpanel', 'aria-labelledby': `tab-${ex.id}`, hidden: true, tabindex: 0 },
        h('h3', {}, ex.title),
        ex.paragraphs.map((p) => h('p', {}, p)),
        ex.reference ? h('p', { class: 'reference' }, ex.reference) : null,
        h(
          'div',
          { class: 'card-actions' },
          ex.variants.map((v) => h('button', { type: 'button', id: `${ex.id}-${v.id}`, onclick: () => onLoad(ex, v) }, v.label)),
        ),
        h('h4', {}, 'What these runs show'),
        findings,
        extra,
      );
      container.append(card);
      this.#cards.set(ex.id, card);
    }
    this.select(EXPERIMENTS[1].id);
  }

  select(id) {
    if (!this.#cards.has(id)) return;
    this.#selected = id;
    for (const [key, tab] of this.#tabs) {
      const on = key === id;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      this.#cards.get(key).hidden = !on;
    }
  }

  // Arrow keys move between tabs (the ARIA tabs pattern).
  #onTabKey(e, id) {
    const ids = [...this.#tabs.keys()];
    const k = ids.indexOf(id);
    const to = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: ids.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = ids[(to + ids.length) % ids.length];
    this.select(next);
    this.#tabs.get(next).focus();
  }

  #buildSweep(ex) {
    const fig = chartFigure(
      'sweep-chart',
      'Test error against batch size',
      'Final test error after one epoch at each batch size (log scale), one line per norm; the learning rate is 0.05 · B/64 in every run.',
    );
    this.#sweepChart = new LineChart(fig.chart, { xLabel: 'batch size', yLabel: 'test error (%)', xLog2: true, series: [], yFormat: (v) => `${+v.toFixed(1)}%` });
    lineChartTools(fig.fig, this.#sweepChart, 'batch-size sweep');
    this.#sweepTable = h('div', { id: 'sweep-table' });
    return h('div', { class: 'sweep' }, fig.fig, this.#sweepTable, referenceTable(ex.referenceTable));
  }

  #buildUnits() {
    this.#unitBox = h('div', { class: 'unit-charts' });
    return this.#unitBox;
  }

  // The sweep's results (BatchSweep.view()).
  sweep(view) {
    if (!this.#sweepChart) return;
    if (view.norms.join() !== this.#sweepNorms.join()) {
      this.#sweepNorms = view.norms;
      this.#sweepChart.reset(view.norms.map((n, i) => ({ label: normLabel(n), color: runColor(i), dash: RUN_DASHES[i], points: true })));
    } else {
      this.#sweepChart.reset();
    }
    const rows = view.results.map((r) => {
      const row = new Array(view.norms.length + 1).fill(null);
      row[0] = r.batch;
      row[view.norms.indexOf(r.norm) + 1] = 100 * r.error;
      return row;
    });
    this.#sweepChart.append(rows);
    const batches = [...new Set(view.results.map((r) => r.batch))];
    const cell = (b, n) => view.results.find((r) => r.batch === b && r.norm === n);
    this.#sweepTable.replaceChildren(
      batches.length
        ? h(
            'table',
            { class: 'data-table' },
            h('caption', {}, `${view.preset}: test error after one epoch, by batch size (this page’s runs).`),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Norm'), ...batches.map((b) => h('th', { scope: 'col' }, String(b))))),
            h('tbody', {}, view.norms.map((n) => h('tr', {}, h('th', { scope: 'row' }, normLabel(n)), ...batches.map((b) => h('td', {}, cell(b, n) ? formatPercent(cell(b, n).error) : '–'))))),
          )
        : h('p', { class: 'note' }, 'The results appear here as each batch size finishes.'),
    );
  }

  // Ioffe & Szegedy: run i's unit percentiles ({layer, points: [{step, p15, p50, p85}]}) and its norm.
  units(i, norm, unit) {
    if (!this.#unitBox) return;
    while (this.#unitCharts.length <= i) {
      const k = this.#unitCharts.length;
      const fig = chartFigure(`unit-${k}`, '', '');
      this.#unitBox.append(fig.fig);
      const chart = new BandChart(fig.chart, { color: runColor(k), yLabel: 'input of the sigmoid' });
      lineChartTools(fig.fig, chart, `run ${RUN_NAMES[k]} sigmoid input`);
      this.#unitCharts.push({ fig: fig.fig, chart, count: 0 });
    }
    const u = this.#unitCharts[i];
    u.fig.querySelector('h4').textContent = `Run ${RUN_NAMES[i]} (${normLabel(norm)}): input of unit 0 of the last sigmoid layer`;
    u.fig.querySelector('figcaption').textContent = `15th, 50th and 85th percentiles over each probed batch of what enters that sigmoid (the output of layer ${unit.layer}).`;
    if (unit.points.length < u.count) {
      u.chart.reset();
      u.count = 0;
    }
    u.chart.append(unit.points.slice(u.count));
    u.count = unit.points.length;
  }

  // The Ioffe & Szegedy charts belong to one set of runs: drop them when the runs change.
  resetUnits() {
    for (const u of this.#unitCharts) {
      u.chart.destroy();
      u.fig.remove();
    }
    this.#unitCharts = [];
  }

  // runIndex's worker sent probe samples; runs: the run panels' summaries.
  probes(runIndex, samples, runs) {
    const first = runs.findIndex((r) => r.norm === 'batch');
    if (runIndex !== first) return;
    const p = bnProbe(samples[samples.length - 1]);
    if (p) this.#probe = p;
  }

  // ctx: {state, runs, stepsPerEpoch, sweep, units} (see web/experiments.js).
  update(ctx) {
    const { state, runs } = ctx;
    if (runs.every((r) => !r.step && !r.evals?.length)) this.#probe = null; // the runs were reset
    // Earlier measurements are compared only when they differ from the current runs in batch size alone.
    const key = (batch) => `${state.preset}@${batch}@${state.optimizer}@${state.lr}`;
    const measured = trainEvalMeasurement({ preset: state.preset, batch: state.batch, runs });
    if (measured) this.#trainEval.set(key(state.batch), { ...measured, key: key(state.batch) });
    const earlier = [...this.#trainEval.values()].filter((m) => m.key !== key(state.batch) && m.key === key(m.batch));
    const full = { ...ctx, probe: this.#probe, earlier };
    for (const ex of EXPERIMENTS) {
      const text = ex.findings(full) ?? [ex.idle];
      const joined = text.join('\n');
      if (this.#shown.get(ex.id) === joined) continue;
      this.#shown.set(ex.id, joined);
      this.#findings.get(ex.id).replaceChildren(...text.map((t) => h('p', {}, t)));
    }
  }
}
