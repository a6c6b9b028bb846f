// One-click experiments: a card with what to look for, buttons that load the settings, and
// findings written from the runs' own numbers (never from results typed in here).
import { h } from './dom.js';
import { smallBatchFindings } from './explain.js';

const SMALL_BATCH = { batch: 2, norms: ['batch', 'layer-sample'], optimizer: 'adam', lr: 0.001, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 };

export const EXPERIMENTS = [
  {
    id: 'bn-vs-ln-small-batch',
    title: 'Swap BatchNorm for LayerNorm on small batches',
    paragraphs: [
      'BatchNorm normalizes each channel with the mean and variance of the current batch; LayerNorm uses each sample’s own values, so the batch size means nothing to it. With a batch of 2, are BatchNorm’s statistics too noisy to train with?',
      'It depends on how many values each statistic averages. After a convolution it is B·H·W (batch × height × width): in tiny’s first layer, 2·28·28 = 1,568 values, so BatchNorm should still train at batch 2. After a Dense layer (the mlp preset) it is only B = 2 values: there BatchNorm should fall far behind LayerNorm, most of all in eval mode, where running averages of those noisy statistics replace them.',
      'Both buttons train one epoch (4,000 steps of 2 digits) with Adam at learning rate 0.001, BatchNorm against LayerNorm over C×H×W.',
    ],
    variants: [
      { id: 'conv', label: 'Run it on tiny (convolutions, 28×28 maps)', settings: { ...SMALL_BATCH, preset: 'tiny' } },
      { id: 'dense', label: 'Run it on mlp (Dense layers)', settings: { ...SMALL_BATCH, preset: 'mlp' } },
    ],
  },
];

export class ExperimentCards {
  #findings = new Map();
  #shown = new Map();

  // onLoad(settings): apply an experiment's settings (and start it).
  constructor(container, { onLoad }) {
    for (const ex of EXPERIMENTS) {
      const findings = h('div', { class: 'findings', 'aria-live': 'polite', id: `${ex.id}-findings` });
      this.#findings.set(ex.id, findings);
      container.append(
        h(
          'article',
          { class: 'card', id: ex.id, 'aria-labelledby': `${ex.id}-title` },
          h('h3', { id: `${ex.id}-title` }, ex.title),
          ex.paragraphs.map((p) => h('p', {}, p)),
          h(
            'div',
            { class: 'card-actions' },
            ex.variants.map((v) => h('button', { type: 'button', id: `${ex.id}-${v.id}`, onclick: () => onLoad(v.settings) }, v.label)),
          ),
          h('h4', {}, 'What these runs show'),
          findings,
        ),
      );
    }
  }

  // state: the current settings; runs: the run panels' summaries; stepsPerEpoch of the runs.
  update(state, runs, stepsPerEpoch) {
    const lines = smallBatchFindings({ preset: state.preset, batch: state.batch, stepsPerEpoch, runs });
    const box = this.#findings.get('bn-vs-ln-small-batch');
    const text = lines ?? ['The current runs are not BatchNorm against LayerNorm; press a button above to load this experiment.'];
    if (this.#shown.get('bn-vs-ln-small-batch') === text.join('\n')) return;
    this.#shown.set('bn-vs-ln-small-batch', text.join('\n'));
    box.replaceChildren(...text.map((t) => h('p', {}, t)));
  }
}
