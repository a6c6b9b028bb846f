// The page's entry point: reads the URL state, builds the controls, charts and run panels,
// starts one worker per run through a Session, and routes the workers' events to the views.
// Never imports the engine: everything it knows arrives as messages (web/protocol.js).
import { LineChart, percentRange } from '../charts/line_chart.js';
import { RUN_DASHES, RUN_NAMES, runColor } from '../charts/palette.js';
import { Smoother } from '../charts/smooth.js';
import { defaultState, EMBED_CONTROLS, parseHash, sameState, serializeState } from '../state.js';
import { Controls } from './controls.js';
import { h } from './dom.js';
import { crashText, divergenceText, normLabel } from './explain.js';
import { ExperimentCards } from './experiments.js';
import { RunPanel } from './run_panel.js';
import { Session } from './session.js';

const $ = (sel) => document.querySelector(sel);
const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

class App {
  #state = defaultState();
  #presets = null;
  #session;
  #controls;
  #cards;
  #panels = [];
  #smoothers = [];
  #loss;
  #accuracy;
  #autoplay = false;
  #stepsPerEpoch = 0;
  #urlProblems = [];
  #presetInfoShown = false;
  #pausedOffscreen = false;

  start() {
    const { state, problems } = parseHash(location.hash);
    this.#state = state;
    this.#urlProblems = problems;
    this.#applyEmbed();
    this.#controls = new Controls($('#settings'), { onChange: (key, value) => this.#change(key, value) });
    this.#cards = new ExperimentCards($('#experiment-list'), { onLoad: (settings) => this.#load(settings) });
    this.#loss = new LineChart($('#chart-loss'), { xLabel: 'training step', yLabel: 'loss (log scale)', yLog: true, series: [] });
    this.#accuracy = new LineChart($('#chart-accuracy'), {
      xLabel: 'training step',
      yLabel: 'test accuracy (%)',
      series: [],
      yFormat: (v) => `${+v.toFixed(1)}%`,
      yRange: percentRange,
    });
    this.#session = new Session({
      createWorker: () => new Worker(new URL('../worker/worker.js', import.meta.url), { type: 'module' }),
      onEvent: (i, ev) => this.#onEvent(i, ev),
      onState: (s) => this.#renderPlayState(s),
    });
    $('#play').addEventListener('click', () => this.#togglePlay());
    $('#step').addEventListener('click', () => this.#session.step());
    $('#reset').addEventListener('click', () => this.#reset({ play: false }));
    document.addEventListener('keydown', (e) => this.#onKey(e));
    window.addEventListener('hashchange', () => this.#onHashChange());
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.#restyle());
    window.addEventListener('message', (e) => this.#onHostMessage(e));
    this.#showProblems();
    this.#reset({ play: !reducedMotion() });
  }

  // #embed=1: the compact layout for iframes. CSS hides the header and long texts; here the
  // controls not listed in `controls` and the panels not listed in `panels` are hidden.
  #applyEmbed() {
    const { embed, controls, panels } = this.#state;
    const on = embed === 1;
    document.documentElement.toggleAttribute('data-embed', on);
    const box = (key) => (key === 'norm' ? $('#norm-list') : $(`#${key}`)).closest(key === 'preset' || key === 'norm' ? 'fieldset' : '.field');
    for (const key of EMBED_CONTROLS) box(key).hidden = on && !controls.includes(key);
    $('#settings .training').hidden = on && !['batch', 'lr', 'optimizer', 'momentum', 'bnMomentum', 'seed', 'epochs'].some((k) => controls.includes(k));
    $('#settings').hidden = on && controls.length === 0;
    $('#chart-loss').closest('figure').hidden = on && !panels.includes('loss');
    $('#chart-accuracy').closest('figure').hidden = on && !panels.includes('accuracy');
    $('#runs').hidden = on && !panels.includes('runs');
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
    }));
  }

  #runSeries(extra = {}) {
    return this.#state.norms.map((norm, i) => ({ label: `${RUN_NAMES[i]}: ${normLabel(norm)}`, color: runColor(i), dash: RUN_DASHES[i], ...extra }));
  }

  // Back to step 0 with the current settings; play: start training once the runs are built.
  #reset({ play }) {
    const configs = this.#configs();
    this.#controls.render(this.#state);
    history.replaceState(null, '', `#${serializeState(this.#state)}`);
    while (this.#panels.length > configs.length) this.#panels.pop().destroy();
    for (let i = this.#panels.length; i < configs.length; ++i) {
      this.#panels.push(new RunPanel($('#runs'), i, { onRestart: (j) => this.#restart(j) }));
    }
    configs.forEach((c, i) => this.#panels[i].reset(c));
    this.#smoothers = configs.map(() => new Smoother(0.95));
    this.#loss.reset(this.#runSeries());
    this.#accuracy.reset(this.#runSeries({ points: true }));
    this.#stepsPerEpoch = 0;
    this.#autoplay = play;
    $('#preset-info').textContent = 'Building the models…';
    this.#presetInfoShown = false;
    this.#session.configure(configs, { epochs: this.#state.epochs });
    this.#renderPlayState({ playing: false, finished: false });
    this.#updateCards();
  }

  #restart(i) {
    this.#panels[i].reset(this.#configs()[i]);
    this.#smoothers[i].reset();
    this.#loss.clearSeries(i);
    this.#accuracy.clearSeries(i);
    this.#session.restart(i);
  }

  #change(key, value) {
    this.#state = { ...this.#state, [key]: value };
    // The learning rate and the epoch limit change runs in flight; the others start them again.
    if (key === 'lr' || key === 'epochs') {
      if (key === 'lr') this.#session.setLearningRate(value);
      else this.#session.setEpochs(value);
      history.replaceState(null, '', `#${serializeState(this.#state)}`);
      return;
    }
    this.#reset({ play: this.#session.playing });
  }

  #load(settings) {
    const { embed, controls, panels } = this.#state; // an experiment keeps the page's layout
    this.#state = { ...defaultState(), embed, controls, panels, ...settings };
    this.#urlProblems = [];
    this.#showProblems();
    this.#reset({ play: true });
    $('#charts').scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
  }

  #onHashChange() {
    const { state, problems } = parseHash(location.hash);
    this.#urlProblems = problems;
    this.#showProblems();
    if (sameState(state, this.#state)) return;
    this.#state = state;
    this.#applyEmbed();
    this.#checkPreset();
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
        if (!this.#presetInfoShown) this.#renderPresetInfo(ev);
        this.#maybeAutoplay();
        break;
      case 'steps': {
        const sm = this.#smoothers[i];
        const rows = [];
        let last = null;
        for (let k = 0; k < ev.loss.length; ++k) {
          last = sm.push(ev.loss[k]);
          const row = new Array(this.#panels.length + 1).fill(null);
          row[0] = ev.first + k;
          row[i + 1] = last;
          rows.push(row);
        }
        this.#loss.append(rows);
        panel.steps(ev, last);
        break;
      }
      case 'eval': {
        const row = new Array(this.#panels.length + 1).fill(null);
        row[0] = ev.step;
        row[i + 1] = 100 * ev.test.accuracy;
        this.#accuracy.append([row]);
        panel.eval(ev);
        this.#updateCards();
        break;
      }
      case 'probes':
        panel.probes(ev.samples);
        this.#cards.probes(i, ev.samples, this.#panels.map((p) => p.summary));
        this.#updateCards();
        break;
      case 'idle':
        panel.idle();
        break;
      case 'diverged': {
        const c = this.#configs()[i];
        panel.diverged(divergenceText({ runName: RUN_NAMES[i], norm: c.norm, optimizer: c.optimizer, lr: this.#state.lr, message: ev.message }));
        break;
      }
      case 'crash':
        panel.crashed(crashText(ev.message));
        break;
      case 'error':
        if (ev.phase === 'configure' || ev.phase === 'load' || ev.phase === 'train') {
          panel.failed(ev.message);
          if (ev.phase === 'load') this.#pageError(`The training engine did not load, so nothing can train. ${ev.message}`);
          if (this.#panels.every((p) => p.summary.status === 'failed')) $('#preset-info').textContent = '';
          this.#maybeAutoplay();
        } else {
          panel.failed(`The page and the worker disagree: ${ev.message}`);
        }
        break;
      default:
        break;
    }
  }

  #pageError(text) {
    const box = $('#page-error');
    box.replaceChildren(h('p', {}, text));
    box.hidden = false;
  }

  #maybeAutoplay() {
    if (!this.#autoplay) return;
    const settled = this.#panels.every((p) => p.summary.status !== 'loading');
    if (!settled) return;
    this.#autoplay = false;
    this.#session.play();
  }

  #renderPresetInfo(ev) {
    const { info } = ev;
    const perStep = info.trainingFlops * this.#state.batch;
    this.#presetInfoShown = true;
    const slow = perStep > 2e9 ? ' Each step is billions of operations: expect seconds per step in a browser.' : '';
    $('#preset-info').textContent =
      `${info.preset}: ${info.layers.length} layers, ${(info.trainingFlops / 1e6).toPrecision(3)} MFLOP per training sample ` +
      `(forward and backward), ${(perStep / 1e6).toPrecision(3)} MFLOP per step at batch ${this.#state.batch}.${slow}`;
  }

  #updateCards() {
    this.#cards.update(this.#state, this.#panels.map((p) => p.summary), this.#stepsPerEpoch);
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
    if (e.target.closest?.('input, select, textarea, [contenteditable]')) return;
    // Space on a focused button or link already activates it.
    if (e.key === ' ' && e.target.closest?.('button, a')) return;
    if (e.key === 'k' || e.key === ' ') {
      e.preventDefault();
      this.#togglePlay();
    } else if (e.key === 's') {
      e.preventDefault();
      this.#session.step();
    }
  }

  #restyle() {
    const series = this.#runSeries();
    this.#loss.restyle({ series });
    this.#accuracy.restyle({ series: this.#runSeries({ points: true }) });
    for (const p of this.#panels) p.restyle();
    this.#controls.render(this.#state);
  }
}

new App().start();
