// The messages between the page (web/ui/) and a training worker (web/worker/). One worker
// owns one engine and one run. Every message is a plain object with a `type`; arrays travel
// as typed-array COPIES (never views into the wasm heap, whose buffer is the whole memory).
//
// Commands, UI → worker:
//   {type:'configure', id, config, weights?}  drop the current run (if any) and build a new
//                               one, paused at step 0. config: see validateConfig below.
//                               weights: a saved model (Uint8Array) to start from instead of
//                               fresh weights; it must be the config's preset and norm.
//                               resume: a checkpoint of this run ('checkpoint' event) to go on
//                               from, at its step, exactly as the run would have.
//                               Answer: 'ready' (or 'error' with phase 'configure'). Every
//                               event about this run carries the same `id`, so the UI can drop
//                               late events of a run it has already replaced.
//   {type:'train', until}       train until `until` steps are done, then answer 'idle'. The UI
//                               raises `until` as the slowest run advances (lockstep); a value
//                               at or below the current step stops after the current chunk.
//   {type:'pause'}              stop after the current chunk (same as train until ≤ step).
//   {type:'step'}               one more step than now (single-stepping while paused).
//   {type:'set-lr', lr, atStep} use `lr` from step `atStep` on (now, if already past it). The
//                               UI picks an atStep no run can have passed, so runs stay equal.
//   {type:'stop'}               end the run and free its memory; the worker stays loaded.
//   {type:'predict', requestId, pixels}  class probabilities of one drawn digit (pixels: a
//                               Float32Array of 784 normalized values). Answer: 'prediction'.
//   {type:'save'}               the run's model as bytes. Answer: 'weights'.
//   {type:'data', source:'bundled'} | {type:'data', source:'files', files:{trainImages,
//                               trainLabels, testImages, testLabels}}  (Uint8Arrays of IDX
//                               files, gzipped or not) train and test on other data from now
//                               on; the run must be configured again. Answer: 'data' (or
//                               'error' with phase 'data', the current data kept).
//
// Events, worker → UI (all but 'engine' and command errors carry the run's `id`):
//   {type:'engine', version, simd, kernels, presets, norms}   once, when the engine has loaded and
//                                                           the first command has arrived.
//   {type:'ready', info, evalBatchSize, stepsPerEpoch, trainCount, testCount, evalEvery,
//                  probeEvery, evalTrainMode, fromWeights, resumedAt}  the run is built (info =
//                                      model.info); evalBatchSize: the test set's batches;
//                                      resumedAt: the checkpoint's step, or null.
//   {type:'steps', first, loss, accuracy, lr, epoch, msPerStep, chunkMs, chunkTarget}
//                  losses/accuracies (Float32Array) of steps first, first+1, …; msPerStep:
//                  smoothed time per step; chunkMs: this chunk's time per step.
//   {type:'eval', step, epoch, test:{loss, accuracy, confusion}, trainMode:{loss, accuracy}|null,
//                  mistakes:[{index, label, predicted, confidence, image}], population}
//                  test-set evaluation after `step` steps; confusion: Int32Array(classes²);
//                  trainMode: the same weights with batch statistics (null when the model has
//                  nothing that differs by mode); mistakes: the most confidently misclassified
//                  test digits with their pixels; population: {samples, layers:[{name, mean,
//                  var}]} what BatchNorm's running statistics estimate (null without BatchNorm).
//   {type:'probes', samples:[{step, norms:[{name, kind, valuesPerStatistic, runningMean,
//                  runningVar, batchMean, batchVar, gamma, beta}], activations:[{name, kind,
//                  mean, std, p15, p50, p85, unitP15, unitP50, unitP85}], params:[{name,
//                  gradNorm, updateRatio}]}]}
//   {type:'prediction', requestId, probabilities, step}  probabilities: Float32Array or null
//                                      when the run has no model.
//   {type:'weights', step, bytes, preset, norm}           the saved model.
//   {type:'checkpoint', step, bytes}   after each evaluation of a run small enough: what a
//                                      replacement worker resumes from if this one crashes.
//   {type:'data', source, train:{count, height, width, classes}, test:{…}}  the data in use.
//   {type:'idle', step}           training stopped at `step` (reached `until`, or paused).
//   {type:'diverged', step, message}   the step threw (non-finite loss): the run is over.
//   {type:'error', phase, message}     anything else that went wrong (phase: 'load',
//                                      'configure', 'command', 'train' end the run;
//                                      'data', 'predict', 'save' leave it as it was).

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'];
export const NORM_PATTERN = /^(none|batch|layer-channels|layer-sample|instance|group:[1-9][0-9]{0,3})$/;

const COMMAND_TYPES = ['configure', 'train', 'pause', 'step', 'set-lr', 'stop', 'predict', 'save', 'data'];
const EVENT_TYPES = ['engine', 'ready', 'steps', 'eval', 'probes', 'idle', 'diverged', 'error', 'prediction', 'weights', 'data', 'checkpoint'];
const IDX_FILES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v, min, max) => Number.isInteger(v) && v >= min && v <= max;
const isNum = (v, min, max) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const show = (v) => (typeof v === 'string' ? `"${v}"` : Array.isArray(v) ? 'an array' : String(v));

// A run's settings. Returns null when valid, else a message naming the first bad field.
export function validateConfig(c) {
  if (!isObject(c)) return `config must be an object, got ${show(c)}`;
  if (typeof c.preset !== 'string' || !/^[a-z0-9-]{1,40}$/.test(c.preset)) return `config.preset must be a preset name, got ${show(c.preset)}`;
  if (typeof c.norm !== 'string' || !NORM_PATTERN.test(c.norm)) return `config.norm must be none, batch, layer-channels, layer-sample, instance or group:G, got ${show(c.norm)}`;
  if (!isInt(c.seed, 0, 2 ** 31 - 1)) return `config.seed must be an integer in 0..${2 ** 31 - 1}, got ${show(c.seed)}`;
  if (!isInt(c.batchSize, 1, 256)) return `config.batchSize must be an integer in 1..256, got ${show(c.batchSize)}`;
  if (!OPTIMIZERS.includes(c.optimizer)) return `config.optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${show(c.optimizer)}`;
  if (!isNum(c.lr, Number.MIN_VALUE, 1000)) return `config.lr must be a number in (0, 1000], got ${show(c.lr)}`;
  if (!isNum(c.momentum, 0, 0.999)) return `config.momentum must be a number in [0, 0.999], got ${show(c.momentum)}`;
  if (!isNum(c.bnMomentum, 0.001, 1)) return `config.bnMomentum must be a number in [0.001, 1], got ${show(c.bnMomentum)}`;
  if (c.augment !== undefined && typeof c.augment !== 'boolean') return `config.augment must be true or false, got ${show(c.augment)}`;
  return null;
}

// Returns null when `msg` is a well-formed command, else a message saying what is wrong.
export function validateCommand(msg) {
  if (!isObject(msg)) return `a command must be an object, got ${show(msg)}`;
  if (!COMMAND_TYPES.includes(msg.type)) return `unknown command type ${show(msg.type)}; expected one of ${COMMAND_TYPES.join(', ')}`;
  switch (msg.type) {
    case 'configure':
      if (!isInt(msg.id, 0, Number.MAX_SAFE_INTEGER)) return `configure.id must be a non-negative integer, got ${show(msg.id)}`;
      if (msg.weights !== undefined && !(msg.weights instanceof Uint8Array)) return 'configure.weights must be a Uint8Array when given';
      if (msg.resume !== undefined && !(msg.resume instanceof Uint8Array)) return 'configure.resume must be a Uint8Array when given';
      return validateConfig(msg.config);
    case 'predict':
      if (!isInt(msg.requestId, 0, Number.MAX_SAFE_INTEGER)) return `predict.requestId must be a non-negative integer, got ${show(msg.requestId)}`;
      if (!(msg.pixels instanceof Float32Array) || msg.pixels.length !== 784) return 'predict.pixels must be a Float32Array of 784 values (28×28)';
      return null;
    case 'data':
      if (msg.source === 'bundled') return null;
      if (msg.source !== 'files') return `data.source must be "bundled" or "files", got ${show(msg.source)}`;
      if (!isObject(msg.files)) return 'data.files must be an object';
      for (const key of IDX_FILES) if (!(msg.files[key] instanceof Uint8Array)) return `data.files.${key} must be a Uint8Array`;
      return null;
    case 'train':
      return isInt(msg.until, 0, Number.MAX_SAFE_INTEGER) ? null : `train.until must be a non-negative integer, got ${show(msg.until)}`;
    case 'set-lr':
      if (!isNum(msg.lr, Number.MIN_VALUE, 1000)) return `set-lr.lr must be a number in (0, 1000], got ${show(msg.lr)}`;
      return isInt(msg.atStep, 0, Number.MAX_SAFE_INTEGER) ? null : `set-lr.atStep must be a non-negative integer, got ${show(msg.atStep)}`;
    default:
      return null;
  }
}

// Returns null when `msg` is a well-formed event (the UI checks what it renders).
export function validateEvent(msg) {
  if (!isObject(msg)) return `an event must be an object, got ${show(msg)}`;
  if (!EVENT_TYPES.includes(msg.type)) return `unknown event type ${show(msg.type)}`;
  if (msg.id !== undefined && !isInt(msg.id, 0, Number.MAX_SAFE_INTEGER)) return `${msg.type}.id must be a non-negative integer, got ${show(msg.id)}`;
  switch (msg.type) {
    case 'steps':
      if (!isInt(msg.first, 0, Number.MAX_SAFE_INTEGER)) return `steps.first must be a non-negative integer, got ${show(msg.first)}`;
      if (!(msg.loss instanceof Float32Array) || !(msg.accuracy instanceof Float32Array)) return 'steps.loss and steps.accuracy must be Float32Arrays';
      if (msg.loss.length !== msg.accuracy.length || msg.loss.length === 0) return `steps.loss (${msg.loss.length}) and steps.accuracy (${msg.accuracy.length}) must have the same non-zero length`;
      return null;
    case 'eval':
      if (!isInt(msg.step, 0, Number.MAX_SAFE_INTEGER)) return `eval.step must be a non-negative integer, got ${show(msg.step)}`;
      if (!isObject(msg.test) || !isNum(msg.test.accuracy, 0, 1)) return 'eval.test.accuracy must be a number in [0, 1]';
      if (msg.trainMode !== null && (!isObject(msg.trainMode) || !isNum(msg.trainMode.accuracy, 0, 1))) return 'eval.trainMode must be null or have an accuracy in [0, 1]';
      return null;
    case 'probes':
      return Array.isArray(msg.samples) ? null : 'probes.samples must be an array';
    case 'ready':
      return isObject(msg.info) && isInt(msg.stepsPerEpoch, 1, Number.MAX_SAFE_INTEGER) ? null : 'ready needs info and a positive stepsPerEpoch';
    case 'idle':
    case 'diverged':
      if (!isInt(msg.step, 0, Number.MAX_SAFE_INTEGER)) return `${msg.type}.step must be a non-negative integer, got ${show(msg.step)}`;
      return msg.type === 'diverged' && typeof msg.message !== 'string' ? 'diverged.message must be a string' : null;
    case 'error':
      return typeof msg.message === 'string' ? null : 'error.message must be a string';
    case 'prediction':
      if (!isInt(msg.requestId, 0, Number.MAX_SAFE_INTEGER)) return `prediction.requestId must be a non-negative integer, got ${show(msg.requestId)}`;
      return msg.probabilities === null || msg.probabilities instanceof Float32Array ? null : 'prediction.probabilities must be a Float32Array or null';
    case 'weights':
    case 'checkpoint':
      return msg.bytes instanceof Uint8Array ? null : `${msg.type}.bytes must be a Uint8Array`;
    default:
      return null;
  }
}

// The engine's norm string for a run: BatchNorm gets its momentum when it is not PyTorch's 0.1.
export function engineNorm(norm, bnMomentum) {
  return norm === 'batch' && bnMomentum !== 0.1 ? `batch,momentum=${bnMomentum}` : norm;
}
