// Types of the normlab npm module (hand-written; kept in step with wasm/*.js).
//
// Every object that owns engine memory (layers, models, datasets, trainers) has dispose()
// and [Symbol.dispose]; a FinalizationRegistry frees forgotten ones eventually, but
// disposing explicitly returns memory at once. Calls after dispose() throw an Error.
// Invalid arguments throw a RangeError or TypeError whose message names the argument and
// the expected versus actual value (an options object with a key the function does not
// read, a misspelling say, is one); other failures (corrupt files, divergence) throw Error.
// A configuration whose memory the engine cannot allocate throws a RangeError naming the
// bytes needed and available, before anything is allocated (Engine.memory()).

export declare const version: string;
/** True when this runtime validates WebAssembly SIMD128. */
export declare function simdSupported(): boolean;
/** Loads the engine: the SIMD build when supported, unless `simd: false`. */
export declare function loadEngine(options?: { simd?: boolean }): Promise<Engine>;

/** NCHW shape [n, c, h, w], or [n, c] for dense activations (h = w = 1). */
export type Shape = [number, number, number, number] | [number, number];
export type NamedArrays = Record<string, Float32Array>;

export interface Disposable {
  readonly disposed: boolean;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface Layer extends Disposable {
  readonly kind: string;
  /** y for x (n·c·h·w values, NCHW). training defaults to true (as a fresh PyTorch module). */
  forward(x: Float32Array, shape: Shape, options?: { training?: boolean }): Float32Array;
  /** dx for dy (shaped like the last output). Parameter gradients accumulate until zeroGrad(). */
  backward(dy: Float32Array): Float32Array;
  outputShape(shape: Shape): [number, number, number, number];
  /** Copies of the parameters by name ("weight", "bias", "gamma", "beta"). */
  getParameters(): NamedArrays;
  /** Sets some or all parameters; checks every name and length before changing anything. */
  setParameters(values: NamedArrays): void;
  getGradients(): NamedArrays;
  zeroGrad(): void;
}

export interface Conv2DOptions { stride?: number; padding?: number; groups?: number; bias?: boolean; seed?: number }
export interface NormOptions { eps?: number; affine?: boolean }
export interface BatchNormOptions extends NormOptions {
  /** PyTorch's meaning: running = (1 − momentum)·running + momentum·batch. Default 0.1. */
  momentum?: number;
  /** Variance used for the running estimate: "unbiased" (PyTorch, default) or "biased". */
  runningVar?: 'unbiased' | 'biased';
}
export interface LayerNormOptions extends NormOptions {
  /** "channels": each pixel across C (ConvNeXt). "sample": each sample across C×H×W
   *  (PyTorch LayerNorm([C,H,W]); needs height and width). Default "channels". */
  over?: 'channels' | 'sample';
  height?: number;
  width?: number;
}
export interface PoolOptions { stride?: number; padding?: number }

export interface BatchNorm2D extends Layer {
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
}

export interface ModelLayerInfo {
  name: string;
  kind: string;
  input: [number, number, number, number];
  output: [number, number, number, number];
  parameters: number;
}
export interface ModelInfo {
  preset: string;
  norm: string;
  parameters: number;
  /** 2 × multiply-adds of one forward pass of one sample. */
  forwardFlops: number;
  /** 3 × forwardFlops (forward, backward-data, backward-weight). */
  trainingFlops: number;
  inputShape: [number, number, number, number];
  classes: number;
  layers: ModelLayerInfo[];
}
export interface Model extends Disposable {
  readonly preset: string;
  readonly norm: string;
  readonly info: ModelInfo;
  /** Logits (n × classes) of n normalized images. */
  forward(x: Float32Array, n: number, options?: { training?: boolean }): Float32Array;
  getParameters(): NamedArrays;
  setParameters(values: NamedArrays): void;
  getBuffers(): NamedArrays;
  /** The model in normlab's versioned binary format. */
  save(): Uint8Array;
  /** What training this model with `config` would add in memory, part by part, and whether
   *  the engine can allocate it now (createTrainer refuses it otherwise). */
  estimateMemory(config?: TrainerConfig): MemoryEstimate;
}

/** Bytes of training memory (core/model/memory_estimate.hpp). */
export interface MemoryEstimate {
  /** The sum of the parts below. */
  total: number;
  /** Weights, biases, norm parameters and running statistics. */
  parameters: number;
  gradients: number;
  /** SGD momentum: one copy of the parameters; Adam and AdamW: two. */
  optimizerState: number;
  /** Every layer's output, at the larger of batchSize and evalBatchSize. */
  activations: number;
  /** What backward needs or makes: input gradients, masks, argmax, statistics, the loss. */
  caches: number;
  /** Convolution columns, GEMM panels, normalization scratch. */
  workspaces: number;
  /** The batches fed in and their labels. */
  batches: number;
  /** Kept probe samples and a copy of the weights, when probing. */
  probes: number;
  /** What the engine may still allocate now, and its limit (the wasm memory maximum). */
  availableBytes: number;
  limitBytes: number;
  /** Whether what this would allocate fits in availableBytes now. */
  fits: boolean;
}

export interface Dataset extends Disposable {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
  images(): Uint8Array;
  labels(): Uint8Array;
  slice(first: number, count: number): Dataset;
}

export interface TrainerConfig {
  optimizer?: 'sgd' | 'adam' | 'adamw';
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  /** false: no weight decay on biases and norm parameters (default true). */
  decayNormAndBias?: boolean;
  batchSize?: number;
  seed?: number;
  clipNorm?: number;
  schedule?: 'constant' | 'step' | 'cosine';
  warmupSteps?: number;
  stepSize?: number;
  gamma?: number;
  totalSteps?: number;
  augment?: boolean;
  labelSmoothing?: number;
  /** Sample probes every this many steps (0: off). */
  probeEvery?: number;
  /** Probe samples kept (the latest; default 256). */
  probeCapacity?: number;
  /** Batch size evaluate() uses by default, and that the trainer reserves memory for
   *  (default 500). Smaller takes less memory; results in eval mode do not depend on it. */
  evalBatchSize?: number;
  /** Training epochs; only sizes a cosine schedule without totalSteps (default 1). */
  epochs?: number;
}
export interface StepResult {
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  lr: number;
  /** Samples in the batch (the last batch of an epoch may be smaller). */
  batch: number;
}
export interface EvalResult {
  loss: number;
  accuracy: number;
  /** Accuracy of each class. */
  perClass: Float32Array;
  /** classes × classes counts, row = true class, column = predicted. */
  confusion: Int32Array;
  /** Per sample, in dataset order: the predicted class (argmax logit). */
  predictions: Uint8Array;
  /** Per sample: the softmax probability of the predicted class. */
  confidence: Float32Array;
}
/** One BatchNorm layer's population statistics (Trainer.populationStats). */
export interface PopulationStats {
  name: string;
  /** Per channel: the batch mean averaged over the batches. */
  mean: Float32Array;
  /** Per channel: the unbiased batch variance averaged over the batches. */
  var: Float32Array;
  batches: number;
}
export interface FitOptions {
  epochs?: number;
  steps?: number;
  /** Called after each step; return false to stop. */
  onStep?: (result: StepResult) => boolean | void;
  onEpoch?: (epoch: number, test: EvalResult | null) => boolean | void;
  test?: Dataset;
}
export interface Trainer extends Disposable {
  step(): StepResult;
  /** Several steps in one call into the engine; stops early and rethrows on divergence. */
  steps(count: number): StepResult[];
  fit(options?: FitOptions): { steps: StepResult[]; stopped: boolean };
  /** batchSize defaults to the config's evalBatchSize. */
  evaluate(data: Dataset, options?: { training?: boolean; batchSize?: number }): EvalResult;
  setLearningRate(lr: number): void;
  /** What BatchNorm's running statistics estimate for the current weights: per BatchNorm layer,
   *  batch statistics averaged over full batches of `batchSize` (default 64) of the first
   *  `maxSamples` samples of `data`, in train mode. Leaves the running statistics unchanged. */
  populationStats(data: Dataset, options?: { batchSize?: number; maxSamples?: number }): PopulationStats[];
  /** The probe samples kept (the latest 256), taken at steps ≥ sinceStep, oldest first. */
  probes(sinceStep?: number): ProbeSample[];
  readonly state: { step: number; epoch: number; stepsPerEpoch: number };
  /** The model this trainer trains (for a resumed trainer, the one its checkpoint held). */
  readonly model: Model;
  /** A checkpoint: the model, the config and every piece of state the next steps depend on
   *  (optimizer state, step and epoch counters, data order and cursor, generators).
   *  resumeTrainer(bytes, data) continues bitwise where this trainer is. Versioned, with a
   *  CRC-32 (core/train/checkpoint.hpp). Probe samples are not kept. */
  save(): Uint8Array;
}
/** What one probed training step recorded (copies; see core/probes/probes.hpp). */
export interface ProbeSample {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  /** Every normalization layer: statistics of its input over the batch, per channel. */
  norms: Array<{
    name: string;
    kind: string;
    /** How many values each statistic averages (BatchNorm: N·H·W; LayerNorm over C×H×W: C·H·W). */
    valuesPerStatistic: number;
    batchMean: Float32Array;
    /** Biased variance of the batch. */
    batchVar: Float32Array;
    /** BatchNorm only (empty otherwise). */
    runningMean: Float32Array;
    runningVar: Float32Array;
    /** Affine parameters (empty without affine). */
    gamma: Float32Array;
    beta: Float32Array;
  }>;
  /** Every leaf layer's output: over all values, and for its channel 0 over the batch. */
  activations: Array<{
    name: string;
    kind: string;
    mean: number;
    std: number;
    p15: number;
    p50: number;
    p85: number;
    unitP15: number;
    unitP50: number;
    unitP85: number;
    /** ReLU layers: fraction of units that are 0 for the whole batch; −1 otherwise. */
    deadFraction: number;
  }>;
  /** Every parameter tensor: gradient norm, weight norm and this step's update/weight ratio. */
  params: Array<{ name: string; gradNorm: number; weightNorm: number; updateRatio: number }>;
}

export interface Engine {
  readonly version: string;
  /** True when the SIMD128 build is running. */
  readonly simd: boolean;
  /** Kernel path compiled into the running build ("sse2" = SIMD128, "scalar"). */
  readonly kernels: string;
  readonly presets: string[];
  /** preset → a one-line description of its architecture. */
  readonly presetDescriptions: Readonly<Record<string, string>>;
  readonly norms: string[];

  Conv2D: new (inChannels: number, outChannels: number, kernelSize: number, options?: Conv2DOptions) => Layer;
  Dense: new (inFeatures: number, outFeatures: number, options?: { bias?: boolean; seed?: number }) => Layer;
  BatchNorm2D: new (channels: number, options?: BatchNormOptions) => BatchNorm2D;
  LayerNorm2D: new (channels: number, options?: LayerNormOptions) => Layer;
  GroupNorm2D: new (groups: number, channels: number, options?: NormOptions) => Layer;
  InstanceNorm2D: new (channels: number, options?: NormOptions) => Layer;
  MaxPool2D: new (kernelSize?: number, options?: PoolOptions) => Layer;
  AvgPool2D: new (kernelSize?: number, options?: PoolOptions) => Layer;
  GlobalAvgPool2D: new () => Layer;
  ReLU: new () => Layer;
  LeakyReLU: new (slope?: number) => Layer;
  GELU: new () => Layer;
  SiLU: new () => Layer;
  Sigmoid: new () => Layer;
  Dropout: new (p?: number, options?: { seed?: number }) => Layer;
  Flatten: new () => Layer;

  /** norm: "none" | "batch" | "layer-channels" | "layer-sample" | "group:G" | "instance",
   *  optionally with ",momentum=M", ",running_var=biased", ",eps=E", ",affine=false". */
  createModel(options?: { preset?: string; norm?: string; seed?: number }): Model;
  loadModel(bytes: Uint8Array | ArrayBuffer): Model;
  datasets: {
    /** The bundled 8,000/2,000 MNIST split (works offline). */
    mnist(): Promise<{ train: Dataset; test: Dataset }>;
    /** Any MNIST-format IDX pair, gzipped or not. */
    fromIDX(images: Uint8Array | ArrayBuffer, labels: Uint8Array | ArrayBuffer): Promise<Dataset>;
  };
  createTrainer(model: Model, data: Dataset, config?: TrainerConfig): Trainer;
  /** A trainer from Trainer.save()'s bytes, training on `data`, which must be the dataset
   *  it was saved with (a RangeError otherwise). Corrupt or truncated bytes throw an Error.
   *  Dispose the trainer and its `model` when done. */
  resumeTrainer(bytes: Uint8Array | ArrayBuffer, data: Dataset): Trainer;
  /** The memory of training a preset, before building it (it is built for a moment). */
  estimateMemory(options?: { preset?: string; norm?: string } & TrainerConfig): MemoryEstimate;
  /** The wasm heap's size (it grows on demand and never shrinks), its limit, and how much
   *  more the engine may allocate: createTrainer, Model.forward, evaluate and layer forwards
   *  refuse, with a RangeError naming the bytes, what would not fit. */
  memory(): { heapBytes: number; limitBytes: number; availableBytes: number };
}
