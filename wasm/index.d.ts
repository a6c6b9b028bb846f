// Types of the normlab npm module (hand-written; kept in step with wasm/*.js).
//
// Every object that owns engine memory (layers, models, datasets, trainers) has dispose()
// and [Symbol.dispose]; a FinalizationRegistry frees forgotten ones eventually, but
// disposing explicitly returns memory at once. Calls after dispose() throw an Error.
// Invalid arguments throw a RangeError or TypeError whose message names the argument and
// the expected versus actual value; other failures (corrupt files, divergence) throw Error.

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
}
export interface StepResult { step: number; epoch: number; loss: number; accuracy: number; lr: number }
export interface EvalResult {
  loss: number;
  accuracy: number;
  /** Accuracy of each class. */
  perClass: Float32Array;
  /** classes × classes counts, row = true class, column = predicted. */
  confusion: Int32Array;
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
  evaluate(data: Dataset, options?: { training?: boolean }): EvalResult;
  setLearningRate(lr: number): void;
  /** Sampled probes as plain typed arrays (copies). */
  probes(): Probes;
}
export interface Probes {
  [series: string]: unknown;
}

export interface Engine {
  readonly version: string;
  /** True when the SIMD128 build is running. */
  readonly simd: boolean;
  /** Kernel path compiled into the running build ("sse2" = SIMD128, "scalar"). */
  readonly kernels: string;
  readonly presets: string[];
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
  memory(): { heapBytes: number };
}
