// The page's entry point: reads the URL state, builds the controls, charts and run panels,
// starts one worker per run through a Session, and routes the workers' events to the views.
// Never imports the engine: everything it knows arrives as messages (web/protocol.js).
// Served bundled (scripts/bundle_page.mjs); early_workers.js comes first, so the run workers
// start before the rest of the UI is even evaluated.
import { endUnusedWorkers, takeWorker } from './early_workers.js';
import { download } from '../charts/export.js';
import { sessionCSV, sessionJSON } from '../charts/export_all.js';
import { RUN_NAMES } from '../charts/palette.js';
import { findExperiment } from '../experiments.js';
import { defaultState, EMBED_CONTROLS, resolveHash, RUN_VIEWS, sameState, serializeState } from '../state.js';
import { Controls } from './controls.js';
import { DataPanel } from './data_panel.js';
import { h } from './dom.js';
import { DrawSection } from './draw_section.js';
import { crashText, divergenceText, formatCount, formatFlops } from './explain.js';
import { ExperimentCards } from './experiments.js';
import { RunPanel } from './run_panel.js';
import { Session } from './session.js';
import { SharedCharts } from './shared_charts.js';
import { BatchSweep } from './sweep.js';

const $ = (sel) => document.querySelector(sel);
const formatDuration = (ms) => (ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${+(ms / 1000).toPrecision(2)} s`);
const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;
// Above this many FLOPs per step (about half a second in a browser) a preset does not start by
// itself: the page says what a step costs and waits for Play.
const AUTOPLAY_MAX_FLOPS_PER_STEP = 1e10;
const TRAINING_KEYS = ['batch', 'lr', 'optimizer', 'momentum', 'bnMomentum', 'seed', 'epochs', 'augment'];

class App {
  #state = defaultState();
  #presets = null;
  #costs = new Map(); // preset → {parameters, trainingFlops, layers, description}
  #session;
  #controls;
  #cards;
  #shared;
  #draw;
  #data;
  #panels = [];
  #autoplay = false;
  #costsSettled = false; // presets.json loaded or failed: autoplay may decide
  #stepsPerEpoch = 0;
  #urlProblems = [];
  #presetInfoShown = false;
  #pausedOffscreen = false;
  #sweep = null;
  #weights = []; // per run: {bytes, name} to start from, or undefined
  #dataNames = null;
  #flopsPerMs = null; // this device's measured training speed (FLOPs per millisecond, one worker)

  start() {
    const { state, problems } = resolveHash(location.hash);
    this.#state = state;
    this.#urlProblems = problems;
    this.#applyEmbed();
    this.#controls = new Controls($('#settings'), { onChange: (key, value) => this.#change(key, value) });
    this.#cards = new ExperimentCards($('#experiment-list'), { onLoad: (ex, v) => this.#loadExperiment(ex, v) });
    this.#shared = new SharedCharts(
      { loss: $('#chart-loss'), accuracy: $('#chart-accuracy'), gap: $('#chart-gap'), time: $('#chart-time') },
      $('#epoch-table'),
    );
    this.#draw = new DrawSection($('#draw-area'), { predict: (pixels, id) => this.#session.predict(pixels, id) });
    this.#data = new DataPanel($('#data'), {
      onFiles: (files, names) => this.#useData({ type: 'data', source: 'files', files }, names),
      onBundled: () => this.#useData({ type: 'data', source: 'bundled' }, null),
    });
    this.#session = new Session({
      createWorker: takeWorker,
      onEvent: (i, ev) => this.#onEvent(i, ev),
      onState: (s) => this.#renderPlayState(s),
    });
    this.#buildViewTabs();
    $('#play').addEventListener('click', () => this.#togglePlay());
    $('#step').addEventListener('click', () => this.#session.step());
    $('#reset').addEventListener('click', () => {
      this.#cancelSweep();
      this.#reset({ play: false });
    });
    $('#export-json').addEventListener('click', () => this.#exportAll('json'));
    $('#export-csv').addEventListener('click', () => this.#exportAll('csv'));
    document.addEventListener('keydown', (e) => this.#onKey(e));
    window.addEventListener('hashchange', () => this.#onHashChange());
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.#restyle());
    window.addEventListener('message', (e) => this.#onHostMessage(e));
    this.#showProblems();
    // The costs decide whether the first runs may start by themselves (a small local file);
    // it arrives while the workers load.
    this.#loadCosts();
    const ref = this.#state.experiment ? findExperiment(this.#state.experiment) : null;
    if (ref) this.#cards.select(ref.experiment.id);
    // A sweep starts over from its first batch size, with its own base learning rate (the
    // link holds the scaled rate of the point it was at).
    if (ref?.variant.sweep) this.#startSweep({ ...this.#state, lr: ref.variant.settings.lr });
    else this.#reset({ play: !reducedMotion() });
  }

  // Each preset's size and cost, measured at build time by scripts/preset_costs.mjs.
  async #loadCosts() {
    try {
      const response = await fetch(new URL('../generated/presets.json', import.meta.url));
      if (!response.ok) return;
      const doc = await response.json();
      for (const p of doc.presets) this.#costs.set(p.preset, p);
      this.#controls.setCosts(this.#costs);
      if (!this.#presetInfoShown) this.#renderPresetInfo();
    } catch {
      // Without the file the page shows each model's cost once it is built.
    } finally {
      this.#costsSettled = true;
      this.#maybeAutoplay();
    }
  }

  // #embed=1: the compact layout for iframes. CSS hides the header and long texts; here the
  // controls not listed in `controls` and the panels not listed in `panels` are hidden.
  #applyEmbed() {
    const { embed, controls, panels } = this.#state;
    const on = embed === 1;
    document.documentElement.toggleAttribute('data-embed', on);
    const box = (key) => {
      if (key === 'norm') return $('#norm-list').closest('fieldset');
      if (key === 'preset' || key === 'data') return $(`#${key}`).closest('fieldset');
      return $(`#${key}`).closest('.field');
    };
    for (const key of EMBED_CONTROLS) box(key).hidden = on && !controls.includes(key);
    $('#settings .training').hidden = on && !TRAINING_KEYS.some((k) => controls.includes(k));
    $('#settings').hidden = on && controls.length === 0;
    for (const [panel, sel] of [['loss', '#chart-loss'], ['accuracy', '#chart-accuracy'], ['gap', '#chart-gap'], ['time', '#chart-time']]) {
      $(sel).closest('figure').hidden = on && !panels.includes(panel);
    }
    $('#draw').hidden = on && !panels.includes('draw');
    $('#runs-section').hidden = on && !panels.includes('runs');
  }

  // A host page (web/embed/normlab-playground.js) says when its iframe scrolls out of view:
  // training pauses there and resumes when it comes back, if it was playing.
  #onHostMessage(e) {
    if (this.#state.embed !== 1 || e.source !== window.parent || e.data?.type !== 'normlab-visibility') return;
    if (!e.data.visible && this.#session.playing) {
      this.#pausedOffscreen = true;
      this.#session.pause();
    } else if (e.data.visible && this.#pausedOffscreen) {
      this.#pausedOffscreen = false;
      this.#session.play();
    }
  }

  // The run-panel tabs: Overview, Norm statistics, Gradients, Mistakes (state.view).
  #buildViewTabs() {
    const labels = { overview: 'Overview', stats: 'Norm statistics', gradients: 'Gradients', mistakes: 'Mistakes' };
    const list = $('#run-views');
    const tabs = RUN_VIEWS.map((v) => {
      const tab = h('button', { type: 'button', role: 'tab', id: `view-${v}`, 'aria-controls': 'runs' }, labels[v]);
      tab.addEventListener('click', () => this.#setView(v));
      tab.addEventListener('keydown', (e) => {
        const k = RUN_VIEWS.indexOf(v);
        const to = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: RUN_VIEWS.length - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        const next = RUN_VIEWS[(to + RUN_VIEWS.length) % RUN_VIEWS.length];
        this.#setView(next);
        $(`#view-${next}`).focus();
      });
      return tab;
    });
    list.replaceChildren(...tabs);
    this.#renderView();
  }

  #setView(view) {
    this.#state = { ...this.#state, view };
    this.#renderView();
    history.replaceState(null, '', `#${serializeState(this.#state)}`);
  }

  #renderView() {
    const view = this.#state.view;
    $('#runs').dataset.view = view;
    $('#runs').setAttribute('aria-labelledby', `view-${view}`);
    for (const v of RUN_VIEWS) {
      const tab = $(`#view-${v}`);
      tab.setAttribute('aria-selected', String(v === view));
      tab.tabIndex = v === view ? 0 : -1;
    }
  }

  #configs() {
    const s = this.#state;
    return s.norms.map((norm) => ({
      preset: s.preset,
      norm,
      seed: s.seed,
      batchSize: s.batch,
      optimizer: s.optimizer,
      lr: s.lr,
      momentum: s.momentum,
      bnMomentum: s.bnMomentum,
      augment: s.augment === 1,
    }));
  }

  // Back to step 0 with the current settings; play: start training once the runs are built.
  #reset({ play }) {
    const configs = this.#configs();
    // The workers first: they load the engine and the digits while the views are built.
    this.#weights.length = configs.length;
    this.#session.configure(configs, { epochs: this.#state.epochs, weights: this.#weights.map((w) => w?.bytes) });
    endUnusedWorkers();
    this.#controls.render(this.#state);
    history.replaceState(null, '', `#${serializeState(this.#state)}`);
    while (this.#panels.length > configs.length) this.#panels.pop().destroy();
    for (let i = this.#panels.length; i < configs.length; ++i) {
      this.#panels.push(
        new RunPanel($('#runs'), i, {
          onRestart: (j) => this.#restart(j),
          onSave: (j) => this.#session.save(j),
          onLoadWeights: (j, file) => this.#loadWeights(j, file),
          onForgetWeights: (j) => {
            this.#weights[j] = undefined;
            this.#reset({ play: false });
          },
        }),
      );
    }
    configs.forEach((c, i) => this.#panels[i].reset(c, { weightsName: this.#weights[i]?.name }));
    this.#shared.reset(this.#state.norms);
    this.#draw.reset(this.#state.norms);
    this.#cards.resetUnits();
    this.#stepsPerEpoch = 0;
    this.#autoplay = play;
    this.#presetInfoShown = false;
    this.#renderPresetInfo();
    this.#renderPlayState({ playing: false, finished: false });
    this.#updateCards();
  }

  // Whether a step is cheap enough to start without asking (cost known from presets.json).
  #affordable() {
    const cost = this.#costs.get(this.#state.preset);
    return !cost || cost.trainingFlops * this.#state.batch <= AUTOPLAY_MAX_FLOPS_PER_STEP;
  }

  // A crashed run starts again in a new worker, from its latest checkpoint when it has one;
  // what it recorded so far stays on the page (the replay writes the same values again).
  #restart(i) {
    const from = this.#session.restart(i);
    this.#panels[i].resumeAt(from);
    this.#shared.resumeAt(i, from);
  }

  #change(key, value) {
    this.#cancelSweep();
    this.#state = { ...this.#state, [key]: value, experiment: '' };
    // The learning rate and the epoch limit change runs in flight; the others start them again.
    if (key === 'lr' || key === 'epochs') {
      if (key === 'lr') this.#session.setLearningRate(value);
      else this.#session.setEpochs(value);
      history.replaceState(null, '', `#${serializeState(this.#state)}`);
      return;
    }
    // Weights fit one preset and norm: a change there forgets them.
    if (key === 'preset' || key === 'norms') this.#weights = [];
    this.#reset({ play: this.#session.playing });
  }

  #loadExperiment(experiment, variant) {
    this.#cancelSweep();
    const { embed, controls, panels } = this.#state; // an experiment keeps the page's layout
    const ref = variant === experiment.variants[0] ? experiment.id : `${experiment.id}/${variant.id}`;
    this.#state = { ...defaultState(), embed, controls, panels, ...variant.settings, experiment: ref };
    this.#weights = [];
    this.#urlProblems = [];
    this.#showProblems();
    this.#cards.select(experiment.id);
    this.#renderView();
    if (variant.sweep) this.#startSweep(this.#state);
    else this.#reset({ play: true });
    $('#charts').scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
  }

  // The batch-size sweep: one batch size after another, each one epoch (web/ui/sweep.js).
  #startSweep(settings) {
    this.#sweep = new BatchSweep(settings);
    this.#cards.sweep(this.#sweep.view());
    this.#nextSweepPoint();
  }

  // A finished sweep stays (its results feed the card) until the settings change.
  #nextSweepPoint() {
    const next = this.#sweep.current;
    this.#cards.sweep(this.#sweep.view());
    this.#updateCards();
    if (!next) return;
    this.#state = { ...this.#state, ...next };
    this.#reset({ play: true });
  }

  // A sweep in progress stops when the settings change; a finished one keeps its results.
  #cancelSweep() {
    if (this.#sweep && !this.#sweep.done) this.#sweep = null;
  }

  // After an evaluation: when every run of the current sweep point has finished its epoch
  // (or stopped), record their errors and go on.
  #checkSweep() {
    if (!this.#sweep || this.#sweep.done || !this.#stepsPerEpoch) return;
    const end = this.#stepsPerEpoch * this.#state.epochs;
    const summaries = this.#panels.map((p) => p.summary);
    const settled = summaries.every((s) => s.status !== 'ready' || s.evals.some((e) => e.step >= end));
    if (!settled || summaries.every((s) => s.status === 'loading')) return;
    this.#sweep.record(summaries.map((s) => ({ ...s, accuracy: s.evals.at(-1)?.accuracy ?? null })));
    this.#nextSweepPoint();
  }

  #onHashChange() {
    const { state, problems } = resolveHash(location.hash);
    this.#urlProblems = problems;
    this.#showProblems();
    if (sameState(state, this.#state)) return;
    this.#cancelSweep();
    this.#state = state;
    this.#applyEmbed();
    this.#checkPreset();
    this.#renderView();
    this.#reset({ play: this.#session.playing });
  }

  // Once the engine's preset list is known, an unknown preset from the URL is refused.
  #checkPreset() {
    if (!this.#presets || this.#presets.includes(this.#state.preset)) return false;
    this.#urlProblems.push({
      key: 'preset',
      value: this.#state.preset,
      message: `preset=${this.#state.preset} is not one of this engine's presets (${this.#presets.join(', ')}); using ${defaultState().preset}`,
    });
    this.#state = { ...this.#state, preset: defaultState().preset };
    this.#showProblems();
    return true;
  }

  #showProblems() {
    const box = $('#problems');
    box.hidden = this.#urlProblems.length === 0;
    box.replaceChildren(
      ...(this.#urlProblems.length
        ? [h('p', {}, 'Some settings in the link were refused:'), h('ul', {}, this.#urlProblems.map((p) => h('li', {}, p.message)))]
        : []),
    );
  }

  // Weights a person chose for run i: the runs start again, run i from those weights. The
  // worker checks the file (and that it holds this preset and norm) and says if it cannot.
  async #loadWeights(i, file) {
    if (file.size > 512 * 1024 * 1024) {
      this.#panels[i].notice('Those weights were not loaded.', `${file.name} is ${formatCount(file.size / 1024 / 1024)} MB; no preset here needs more than 512 MB.`);
      return;
    }
    this.#weights[i] = { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name };
    this.#cancelSweep();
    this.#reset({ play: false });
  }

  #useData(command, names) {
    this.#cancelSweep();
    this.#dataNames = names;
    this.#session.setData(command);
    this.#reset({ play: false });
  }

  #onEvent(i, ev) {
    const panel = this.#panels[i];
    if (!panel) return;
    switch (ev.type) {
      case 'engine':
        if (!this.#presets) {
          this.#presets = ev.presets;
          this.#controls.setPresets(ev.presets);
          $('#engine-info').textContent = `Engine ${ev.version}, ${ev.simd ? 'WebAssembly SIMD128' : 'scalar WebAssembly'} kernels, one worker per run.`;
          if (this.#checkPreset()) this.#reset({ play: this.#autoplay });
        }
        break;
      case 'ready':
        panel.ready(ev);
        this.#stepsPerEpoch = ev.stepsPerEpoch;
        this.#shared.stepsPerEpoch = ev.stepsPerEpoch;
        if (ev.fromWeights) panel.notice(`Run ${RUN_NAMES[i]} starts from the uploaded weights.`, 'Step 0 is their state; its first evaluation shows how well they do.');
        if (ev.resumedAt) panel.notice(`Run ${RUN_NAMES[i]} resumed from its checkpoint at step ${formatCount(ev.resumedAt)}.`, 'It goes on exactly as it would have without the crash; what it recorded before is kept.');
        if (!this.#presetInfoShown) this.#renderPresetInfo(ev.info);
        this.#maybeAutoplay();
        this.#draw.refresh();
        break;
      case 'steps': {
        const last = this.#shared.steps(i, ev);
        panel.steps(ev, last);
        const cost = this.#costs.get(this.#state.preset);
        if (cost && ev.chunkMs && ev.first > 0) this.#flopsPerMs = (cost.trainingFlops * this.#state.batch) / ev.chunkMs;
        break;
      }
      case 'eval':
        this.#shared.eval(i, ev);
        panel.eval(ev);
        this.#updateCards();
        this.#draw.refresh();
        this.#checkSweep();
        break;
      case 'probes':
        panel.probes(ev.samples);
        this.#cards.probes(i, ev.samples, this.#panels.map((p) => p.summary));
        this.#updateUnits(i);
        this.#updateCards();
        break;
      case 'idle':
        panel.idle();
        this.#shared.refresh();
        break;
      case 'diverged': {
        const c = this.#configs()[i];
        panel.diverged(divergenceText({ runName: RUN_NAMES[i], norm: c.norm, optimizer: c.optimizer, lr: this.#state.lr, message: ev.message }));
        this.#shared.diverged(i);
        this.#checkSweep();
        break;
      }
      case 'crash':
        panel.crashed(crashText(ev.message));
        break;
      case 'prediction':
        this.#draw.answer(i, ev);
        break;
      case 'weights':
        download(`normlab-${ev.preset}-${ev.norm.replace(/[^a-z0-9-]+/gi, '_')}-step${ev.step}.nlab`, ev.bytes, 'application/octet-stream');
        break;
      case 'data':
        this.#data.inUse(ev, this.#dataNames);
        break;
      case 'error':
        this.#onError(i, panel, ev);
        break;
      default:
        break;
    }
  }

  #onError(i, panel, ev) {
    if (ev.phase === 'data') {
      if (i === 0) this.#data.refused(ev.message);
      return;
    }
    if (ev.phase === 'save' || ev.phase === 'predict') {
      panel.notice(ev.phase === 'save' ? 'The weights could not be saved.' : 'The drawing could not be read.', ev.message);
      return;
    }
    if (ev.phase === 'configure' || ev.phase === 'load' || ev.phase === 'train') {
      panel.failed(ev.message);
      if (ev.phase === 'configure' && this.#weights[i]) {
        this.#weights[i] = undefined; // a refused file is not tried again at the next reset
      }
      if (ev.phase === 'load') this.#pageError(`The training engine did not load, so nothing can train. ${ev.message}`);
      if (this.#panels.every((p) => p.summary.status === 'failed')) $('#preset-info').textContent = '';
      this.#maybeAutoplay();
      this.#checkSweep();
    } else {
      panel.failed(`The page and the worker disagree: ${ev.message}`);
    }
  }

  // Ioffe & Szegedy: the input of unit 0 of the last sigmoid layer, per run.
  #updateUnits(i) {
    const ref = this.#state.experiment ? findExperiment(this.#state.experiment) : null;
    if (!ref?.experiment.unitCharts) return;
    const layers = this.#panels[i].layers;
    const last = layers.map((l) => l.kind).lastIndexOf('sigmoid');
    if (last < 1) return;
    const layer = layers[last - 1].name;
    this.#cards.units(i, this.#state.norms[i], { layer, points: this.#panels[i].unitHistory(layer) });
  }

  #pageError(text) {
    const box = $('#page-error');
    box.replaceChildren(h('p', {}, text));
    box.hidden = false;
  }

  #maybeAutoplay() {
    if (!this.#autoplay || !this.#costsSettled) return;
    const settled = this.#panels.every((p) => p.summary.status !== 'loading');
    if (!settled) return;
    this.#autoplay = false;
    if (this.#affordable()) this.#session.play();
  }

  // What the chosen preset is and costs, before it trains: from presets.json, or from the
  // built model's info.
  #renderPresetInfo(info = null) {
    const s = this.#state;
    const cost = this.#costs.get(s.preset);
    const flops = cost?.trainingFlops ?? info?.trainingFlops;
    if (!flops) {
      $('#preset-info').textContent = 'Building the models…';
      return;
    }
    this.#presetInfoShown = true;
    const layers = cost?.layers ?? info.layers.length;
    const params = cost?.parameters ?? info.parameters;
    const perStep = flops * s.batch;
    const parts = [
      `${s.preset}: ${layers} layers, ${formatCount(params)} parameters, ${formatFlops(flops)} per training sample (forward and backward), ${formatFlops(perStep)} per step at batch ${s.batch}.`,
    ];
    if (cost?.description) parts.push(cost.description + '.');
    // An estimate from the speed measured on the runs so far (kernels differ in efficiency
    // between nets, so it is a rough guide).
    if (this.#flopsPerMs) parts.push(`On this device, about ${formatDuration(perStep / this.#flopsPerMs)} per step (estimated from the speed of the runs so far).`);
    if (perStep > AUTOPLAY_MAX_FLOPS_PER_STEP) parts.push('Each step is tens of billions of operations or more, so it does not start by itself: press Play when ready.');
    $('#preset-info').textContent = parts.join(' ');
  }

  #updateCards() {
    const units = this.#panels.map((p) => {
      const layers = p.layers;
      const last = layers.map((l) => l.kind).lastIndexOf('sigmoid');
      if (last < 1) return null;
      const layer = layers[last - 1].name;
      return { layer, points: p.unitHistory(layer) };
    });
    this.#cards.update({
      state: this.#state,
      runs: this.#panels.map((p) => p.summary),
      stepsPerEpoch: this.#stepsPerEpoch,
      sweep: this.#sweep?.view() ?? null,
      units,
    });
  }

  #togglePlay() {
    if (this.#session.playing) this.#session.pause();
    else this.#session.play();
  }

  #renderPlayState({ playing, finished }) {
    const play = $('#play');
    play.textContent = playing ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', String(playing));
    play.setAttribute('aria-label', playing ? 'Pause training' : 'Start training');
    $('#step').disabled = playing || finished;
    play.disabled = !playing && finished;
    const epochs = this.#state.epochs;
    $('#play-state').textContent = playing ? 'Training…' : finished && epochs ? `Finished ${epochs} epoch${epochs === 1 ? '' : 's'}.` : 'Paused.';
    document.body.dataset.playing = String(playing);
  }

  #onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest?.('input, select, textarea, [contenteditable], canvas')) return;
    // Space on a focused button or link already activates it.
    if (e.key === ' ' && e.target.closest?.('button, a, [role=tab]')) return;
    if (e.key === 'k' || e.key === ' ') {
      e.preventDefault();
      this.#togglePlay();
    } else if (e.key === 's') {
      e.preventDefault();
      this.#session.step();
    }
  }

  // Every recorded series of the page, as one file.
  #exportAll(format) {
    const charts = [
      ...this.#shared.snapshots().map(({ name, snapshot }) => ({ name, snapshot })),
      ...this.#panels.flatMap((p, i) => p.snapshots().map(({ name, snapshot }) => ({ name, run: RUN_NAMES[i], snapshot }))),
    ];
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    if (format === 'json') {
      const meta = { settings: this.#state, runs: this.#panels.map((p, i) => ({ run: RUN_NAMES[i], ...p.summary, mistakes: undefined })) };
      download(`normlab-session-${stamp}.json`, sessionJSON(charts, meta), 'application/json');
    } else {
      download(`normlab-session-${stamp}.csv`, sessionCSV(charts), 'text/csv');
    }
  }

  #restyle() {
    this.#shared.restyle();
    for (const p of this.#panels) p.restyle();
    this.#draw.restyle();
    this.#controls.render(this.#state);
  }
}

new App().start();
