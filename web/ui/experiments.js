// One-click experiments: a card with what to look for, buttons that load the settings, and
// findings written from the runs' own numbers (never from results typed in here).
import { h } from './dom.js';
import { noNormFindings, runningStatsFindings, smallBatchFindings, trainEvalFindings, trainEvalMeasurement } from './explain.js';

const SMALL_BATCH = { batch: 2, norms: ['batch', 'layer-sample'], optimizer: 'adam', lr: 0.001, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 };
const TRAIN_EVAL = { norms: ['batch', 'layer-sample'], preset: 'mlp', optimizer: 'adam', lr: 0.001, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 };

// findings(ctx) returns the sentences, or null when the runs on the page are not this
// experiment's; ctx = {state, runs, stepsPerEpoch, probe, earlier} (see ExperimentCards.update).
export const EXPERIMENTS = [
  {
    id: 'no-bn-vgg',
    title: 'Disable BatchNorm in a VGG-style net',
    paragraphs: [
      'vgg-mini stacks convolutions in the VGG style. With BatchNorm after every convolution, each layer’s outputs are rescaled to mean 0 and variance 1 per channel before they reach the next one; without it, their scale depends on every weight below, and plain SGD at a learning rate that suits the normalized net can stall or become unstable.',
      'What to look for: the two loss curves over the epoch’s 125 steps, and the test accuracy as it goes. A loss that stays at 2.30 (ln 10) means the net still guesses uniformly over the 10 digits.',
      'The button trains one epoch with SGD (learning rate 0.05, momentum 0.9) at batch 64, BatchNorm against no normalization.',
    ],
    variants: [
      { id: 'vgg-mini', label: 'Run it on vgg-mini (batch 64)', settings: { preset: 'vgg-mini', norms: ['batch', 'none'], batch: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 } },
    ],
    idle: 'The current runs are not BatchNorm against no normalization; press the button above to load this experiment.',
    findings: ({ state, runs, stepsPerEpoch }) => noNormFindings({ preset: state.preset, batch: state.batch, stepsPerEpoch, runs }),
  },
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
    idle: 'The current runs are not BatchNorm against LayerNorm; press a button above to load this experiment.',
    findings: ({ state, runs, stepsPerEpoch }) => smallBatchFindings({ preset: state.preset, batch: state.batch, stepsPerEpoch, runs }),
  },
  {
    id: 'train-vs-eval',
    title: 'Train mode vs eval mode',
    paragraphs: [
      'A trained BatchNorm layer can normalize in two ways. In train mode it uses the mean and variance of the batch in front of it; in eval mode (how a model is used after training) it uses the running averages it collected during training. The page evaluates the same weights both ways on the 2,000 test digits; the train-mode evaluation uses batches of 500 test digits.',
      'What to look for: each BatchNorm run’s “train mode vs eval mode” chart, and the gap between its two lines. When training batches are large, the running averages match what the network sees and the gap is small; with tiny batches after Dense layers, the running averages come from very noisy statistics and eval mode can fall behind.',
      'Both buttons train one epoch of mlp with Adam at learning rate 0.001 (BatchNorm against LayerNorm, which has no modes). Run both: the findings keep the first batch size’s numbers for the comparison.',
    ],
    variants: [
      { id: 'b64', label: 'Batch 64 on mlp', settings: { ...TRAIN_EVAL, batch: 64 } },
      { id: 'b2', label: 'Batch 2 on mlp', settings: { ...TRAIN_EVAL, batch: 2 } },
    ],
    idle: 'No BatchNorm run has been evaluated yet; press a button above to load this experiment.',
    findings: ({ runs, state, earlier }) => trainEvalFindings({ current: trainEvalMeasurement({ preset: state.preset, batch: state.batch, runs }), earlier }),
  },
  {
    id: 'running-stats',
    title: 'Watch BatchNorm’s running statistics converge',
    paragraphs: [
      'For eval mode, every BatchNorm layer keeps a running mean and variance per channel, starting at 0 and 1. After each training batch it updates them as running = (1 − momentum) · running + momentum · batch statistic, with momentum 0.1 by default (PyTorch’s meaning: the weight of the NEW batch, so old batches fade by a factor 0.9 per step; Keras calls 0.9 the momentum for the same rule).',
      'The running variance stores the unbiased variance: the batch variance times n/(n − 1), where n is the number of values each statistic averages. PyTorch does the same; the layer itself normalizes with the biased variance.',
      'What to look for: in each BatchNorm run’s running mean and running variance charts (one line per channel of its first BatchNorm layer), the lines leave 0 and 1 within a few dozen steps, then drift as the weights below change. The BN momentum control changes how fast they follow.',
    ],
    variants: [{ id: 'tiny', label: 'Run it on tiny (batch 64)', settings: { preset: 'tiny', norms: ['batch', 'layer-sample'], batch: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 } }],
    idle: 'No run has a BatchNorm layer sampled yet; press the button above to load this experiment.',
    findings: ({ state, probe }) => runningStatsFindings({ bnMomentum: state.bnMomentum, probe }),
  },
];

// The first batch_norm2d layer of a probe sample, with its step: what runningStatsFindings reads.
function bnProbe(sample) {
  const n = sample?.norms?.find((x) => x.kind === 'batch_norm2d');
  return n ? { step: sample.step, ...n } : null;
}

export class ExperimentCards {
  #findings = new Map();
  #shown = new Map();
  #probe = null; // latest BatchNorm probe of the first BatchNorm run
  #trainEval = new Map(); // "preset@batch@optimizer@lr" → latest train/eval measurement

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

  // runIndex's worker sent probe samples; runs: the run panels' summaries.
  probes(runIndex, samples, runs) {
    const first = runs.findIndex((r) => r.norm === 'batch');
    if (runIndex !== first) return;
    const p = bnProbe(samples[samples.length - 1]);
    if (p) this.#probe = p;
  }

  // state: the current settings; runs: the run panels' summaries; stepsPerEpoch of the runs.
  update(state, runs, stepsPerEpoch) {
    if (runs.every((r) => !r.step && !r.evals?.length)) this.#probe = null; // the runs were reset
    // Earlier measurements are compared only when they differ from the current runs in batch size alone.
    const key = (batch) => `${state.preset}@${batch}@${state.optimizer}@${state.lr}`;
    const current = trainEvalMeasurement({ preset: state.preset, batch: state.batch, runs });
    if (current) this.#trainEval.set(key(state.batch), { ...current, key: key(state.batch) });
    const earlier = [...this.#trainEval.values()].filter((m) => m.key !== key(state.batch) && m.key === key(m.batch));
    const ctx = { state, runs, stepsPerEpoch, probe: this.#probe, earlier };
    for (const ex of EXPERIMENTS) {
      const text = ex.findings(ctx) ?? [ex.idle];
      const joined = text.join('\n');
      if (this.#shown.get(ex.id) === joined) continue;
      this.#shown.set(ex.id, joined);
      this.#findings.get(ex.id).replaceChildren(...text.map((t) => h('p', {}, t)));
    }
  }
}
