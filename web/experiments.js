// The one-click experiments: what each sets, what to look for, what the papers found, and the
// findings written from the runs' own numbers (never from results typed in here). Pure data
// and functions, shared by the page (web/ui/experiments.js), the URL state (`experiment=`)
// and the embeddable element (`preset="bn-vs-ln-small-batch"`).
import {
  ioffeFindings,
  noNormFindings,
  populationFindings,
  runningStatsFindings,
  smallBatchFindings,
  sweepFindings,
  trainEvalFindings,
  trainEvalMeasurement,
} from './ui/explain.js';

const SMALL_BATCH = { batch: 2, norms: ['batch', 'layer-sample'], optimizer: 'adam', lr: 0.001, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 };
const TRAIN_EVAL = { norms: ['batch', 'layer-sample'], preset: 'mlp', optimizer: 'adam', lr: 0.001, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 };
const SWEEP = { norms: ['batch', 'layer-sample', 'group:2'], optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 };

// The batch sizes of the sweep, largest first; the learning rate is scaled with the batch
// (lr·B/64), as the GroupNorm paper scales it.
export const SWEEP_BATCHES = [64, 32, 16, 8, 4, 2];
export const SWEEP_BASE_BATCH = 64;

// Wu & He, "Group Normalization" (ECCV 2018), Table 2: ResNet-50 on ImageNet, validation
// error (%) by images per GPU; the paper's Figure 1 plots the same numbers.
export const GROUP_NORM_TABLE_2 = {
  batches: [32, 16, 8, 4, 2],
  rows: [
    { norm: 'BatchNorm', error: [23.6, 23.7, 24.8, 27.3, 34.7] },
    { norm: 'GroupNorm (32 groups)', error: [24.1, 24.2, 24.0, 24.2, 24.1] },
  ],
};

// findings(ctx) returns the sentences, or null when the runs on the page are not this
// experiment's. ctx = {state, runs, stepsPerEpoch, probe, earlier, sweep, units} where runs are
// the run panels' summaries (see web/ui/run_panel.js), probe the latest BatchNorm probe of the
// first BatchNorm run, earlier the train/eval measurements kept from other batch sizes, sweep
// the batch-size sweep's results and units the per-run unit percentiles (Ioffe & Szegedy).
export const EXPERIMENTS = [
  {
    id: 'no-bn-vgg',
    title: 'Disable BatchNorm in a VGG-style net',
    paragraphs: [
      'vgg-mini stacks six 3×3 convolutions in the VGG style. With BatchNorm after every convolution, each layer’s outputs are rescaled to mean 0 and variance 1 per channel before they reach the next one; without it, their scale depends on every weight below, and plain SGD at a learning rate that suits the normalized net can stall or become unstable.',
      'What to look for: the two loss curves over the epoch’s 125 steps, and the test accuracy as it goes. A loss that stays at 2.30 (ln 10) means the net still guesses uniformly over the 10 digits. The Gradients tab shows how the gradient norms of the layers spread apart without a norm.',
      'The first button trains one epoch of vgg-mini with SGD (learning rate 0.05, momentum 0.9) at batch 64, BatchNorm against no normalization. The second runs the full 13-convolution vgg16 at batch 8 and learning rate 0.01: each step costs billions of operations, so it takes minutes per epoch.',
    ],
    reference:
      'In the papers: Ioffe & Szegedy (2015) report that BatchNorm let their Inception network reach its original accuracy in 14 times fewer training steps. Simonyan & Zisserman (2015) trained VGG without BatchNorm and had to initialize the deeper configurations from a trained shallower one, because a bad initialization stalls learning in deep nets.',
    variants: [
      { id: 'vgg-mini', label: 'Run it on vgg-mini (batch 64)', settings: { preset: 'vgg-mini', norms: ['batch', 'none'], batch: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 } },
      { id: 'vgg16', label: 'The full vgg16 (batch 8, slow)', settings: { preset: 'vgg16', norms: ['batch', 'none'], batch: 8, optimizer: 'sgd', lr: 0.01, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1 } },
    ],
    idle: 'The current runs are not BatchNorm against no normalization; press a button above to load this experiment.',
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
    reference: 'In the papers: Ba, Kiros & Hinton (2016) introduced LayerNorm because BatchNorm’s statistics depend on the mini-batch, which makes it hard to use with small batches and recurrent networks.',
    variants: [
      { id: 'conv', label: 'Run it on tiny (convolutions, 28×28 maps)', settings: { ...SMALL_BATCH, preset: 'tiny' } },
      { id: 'dense', label: 'Run it on mlp (Dense layers)', settings: { ...SMALL_BATCH, preset: 'mlp' } },
    ],
    idle: 'The current runs are not BatchNorm against LayerNorm; press a button above to load this experiment.',
    findings: ({ state, runs, stepsPerEpoch }) => smallBatchFindings({ preset: state.preset, batch: state.batch, stepsPerEpoch, runs }),
  },
  {
    id: 'running-stats',
    title: 'Watch BatchNorm’s running statistics converge',
    paragraphs: [
      'For eval mode, every BatchNorm layer keeps a running mean and variance per channel, starting at 0 and 1. After each training batch it updates them as running = (1 − momentum) · running + momentum · batch statistic, with momentum 0.1 by default (PyTorch’s meaning: the weight of the NEW batch, so old batches fade by a factor 0.9 per step; Keras calls 0.9 the momentum for the same rule).',
      'The running variance stores the unbiased variance: the batch variance times n/(n − 1), where n is the number of values each statistic averages. PyTorch does the same; the layer itself normalizes with the biased variance.',
      'What to look for: in the “Norm statistics” tab, each BatchNorm run’s running means and variances (one line per channel of its first BatchNorm layer) leave 0 and 1 within a few dozen steps, then drift as the weights below change. The dots are the true values for the weights of that moment: the batch statistics averaged over 2,000 training digits, which is what the running averages estimate. The BN momentum control changes how fast the lines follow the dots.',
    ],
    variants: [{ id: 'tiny', label: 'Run it on tiny (batch 64)', settings: { preset: 'tiny', norms: ['batch', 'layer-sample'], batch: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 1, view: 'stats' } }],
    idle: 'No run has a BatchNorm layer sampled yet; press the button above to load this experiment.',
    findings: ({ state, probe, runs }) => {
      const lines = runningStatsFindings({ bnMomentum: state.bnMomentum, probe });
      const population = populationFindings({ runs });
      return lines || population ? [...(lines ?? []), ...(population ?? [])] : null;
    },
  },
  {
    id: 'batch-sweep',
    title: 'Batch-size sweep: error against batch size',
    paragraphs: [
      'The GroupNorm paper’s Figure 1 in miniature: the same network trained for one epoch at batch sizes 64, 32, 16, 8, 4 and 2, with BatchNorm, LayerNorm over C×H×W and GroupNorm (2 groups), and the final test error of each plotted against the batch size on a log axis. The learning rate is scaled with the batch (0.05 · B/64), as the paper does, so that every run sees the same amount of learning per digit.',
      'What to look for: whether BatchNorm’s curve bends upwards at small batches while the per-sample norms stay flat. The sweep trains 18 runs one batch size after another; the chart fills in as each finishes.',
    ],
    reference: 'In the paper (Wu & He 2018, Table 2 and Figure 1): ResNet-50 trained on ImageNet with 32 down to 2 images per GPU. BatchNorm’s validation error grows from 23.6% to 34.7% as the batch shrinks; GroupNorm stays within 24.0–24.2%. Their table is shown beside ours: a different task and network, so compare the shapes of the curves, not the numbers.',
    referenceTable: GROUP_NORM_TABLE_2,
    variants: [
      { id: 'tiny', label: 'Sweep tiny (convolutions)', settings: { ...SWEEP, preset: 'tiny', batch: 64 }, sweep: true },
      { id: 'mlp', label: 'Sweep mlp (Dense layers)', settings: { ...SWEEP, preset: 'mlp', batch: 64 }, sweep: true },
    ],
    idle: 'No sweep has run yet; press a button above to start one.',
    findings: ({ sweep }) => sweepFindings(sweep),
  },
  {
    id: 'ioffe-szegedy',
    title: 'Ioffe & Szegedy, Figure 1',
    paragraphs: [
      'The experiment of the BatchNorm paper on MNIST: a network of three fully connected hidden layers of 100 sigmoid units (the mlp preset), with and without BatchNorm before each sigmoid, trained with mini-batches of 60 digits. The paper plots (a) the test accuracy over training and (b, c) the 15th, 50th and 85th percentiles of the input to one typical sigmoid unit.',
      'What to look for: the test accuracy of the two runs, and below, the input of unit 0 of the last hidden layer. Without BatchNorm its distribution moves and widens as the weights below it change (what the paper calls internal covariate shift); with BatchNorm it stays put, because the layer re-centres and re-scales it at every step.',
      'The button trains 20 epochs of the 8,000 bundled digits (2,680 steps; the paper trained 50,000 steps on the full 60,000) with SGD, learning rate 0.05 and momentum 0.9.',
    ],
    reference:
      'In the paper (Figure 1): the network with BatchNorm reaches a higher test accuracy, faster, and the input distribution of its sigmoids is much more stable over training than without BatchNorm.',
    variants: [{ id: 'mlp', label: 'Run it (mlp, batch 60)', settings: { preset: 'mlp', norms: ['batch', 'none'], batch: 60, optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, bnMomentum: 0.1, epochs: 20 } }],
    unitCharts: true,
    idle: 'The current runs are not the mlp with and without BatchNorm; press the button above to load this experiment.',
    findings: ({ state, runs, stepsPerEpoch, units }) => ioffeFindings({ preset: state.preset, stepsPerEpoch, runs, units }),
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
];

// "experiment" or "experiment/variant" → {experiment, variant}; null for an unknown name.
// A bare experiment id means its first variant.
export function findExperiment(ref) {
  const [id, variantId, ...rest] = String(ref).split('/');
  if (rest.length) return null;
  const experiment = EXPERIMENTS.find((e) => e.id === id);
  if (!experiment) return null;
  const variant = variantId === undefined ? experiment.variants[0] : experiment.variants.find((v) => v.id === variantId);
  return variant ? { experiment, variant } : null;
}

// Every accepted reference, for messages: "no-bn-vgg, no-bn-vgg/vgg16, …".
export function experimentRefs() {
  return EXPERIMENTS.flatMap((e) => [e.id, ...e.variants.slice(1).map((v) => `${e.id}/${v.id}`)]);
}
