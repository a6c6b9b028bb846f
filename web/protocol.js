// The messages between the page (web/ui/) and a training worker (web/worker/). One worker
// owns one engine and one run. Every message is a plain object with a `type`; arrays travel
// as typed-array COPIES (never views into the wasm heap, whose buffer is the whole memory).
//
// Commands, UI → worker:
//   {type:'configure', id, config}  drop the current run (if any) and build a new one, paused
//                               at step 0. config: see validateConfig below. Answer: 'ready'
//                               (or 'error' with phase 'configure'). Every event about this
//                               run carries the same `id`, so the UI can drop late events of a
//                               run it has already replaced.
//   {type:'train', until}       train until `until` steps are done, then answer 'idle'. The UI
//                               raises `until` as the slowest run advances (lockstep); a value
//                               at or below the current step stops after the current chunk.
//   {type:'pause'}              stop after the current chunk (same as train until ≤ step).
//   {type:'step'}               one more step than now (single-stepping while paused).
//   {type:'set-lr', lr, atStep} use `lr` from step `atStep` on (now, if already past it). The
//                               UI picks an atStep no run can have passed, so runs stay equal.
//   {type:'stop'}               end the run and free its memory; the worker stays loaded.
//
// Events, worker → UI (all but 'engine' and command errors carry the run's `id`):
//   {type:'engine', version, simd, kernels, presets, norms}   once, when the engine loaded.
//   {type:'ready', info, stepsPerEpoch, trainCount, testCount, evalEvery, probeEvery,
//                  evalTrainMode}                          the run is built (info = model.info).
//   {type:'steps', first, loss, accuracy, lr, epoch, msPerStep, chunkTarget}
//                  losses/accuracies (Float32Array) of steps first, first+1, …
//   {type:'eval', step, epoch, test:{loss, accuracy}, trainMode:{loss, accuracy}|null}
//                  test-set evaluation after `step` steps; trainMode: the same weights with
//                  batch statistics (null when the model has nothing that differs by mode).
//   {type:'probes', samples:[{step, norms:[{name, kind, valuesPerStatistic, runningMean,
//                  runningVar, batchMean, batchVar}], activations:[{name, kind, p15, p50,
//                  p85}]}]}
//   {type:'idle', step}           training stopped at `step` (reached `until`, or paused).
//   {type:'diverged', step, message}   the step threw (non-finite loss): the run is over.
//   {type:'error', phase, message}     anything else that went wrong (phase: 'load',
//                                      'configure', 'command', 'train').

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'];
export const NORM_PATTERN = /^(none|batch|layer-channels|layer-sample|instance|group:[1-9][0-9]{0,3})$/;

const COMMAND_TYPES = ['configure', 'train', 'pause', 'step', 'set-lr', 'stop'];
const EVENT_TYPES = ['engine', 'ready', 'steps', 'eval', 'probes', 'idle', 'diverged', 'error'];

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
  return null;
}

// Returns null when `msg` is a well-formed command, else a message saying what is wrong.
export function validateCommand(msg) {
  if (!isObject(msg)) return `a command must be an object, got ${show(msg)}`;
  if (!COMMAND_TYPES.includes(msg.type)) return `unknown command type ${show(msg.type)}; expected one of ${COMMAND_TYPES.join(', ')}`;
  switch (msg.type) {
    case 'configure':
      if (!isInt(msg.id, 0, Number.MAX_SAFE_INTEGER)) return `configure.id must be a non-negative integer, got ${show(msg.id)}`;
      return validateConfig(msg.config);
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
    default:
      return null;
  }
}

// The engine's norm string for a run: BatchNorm gets its momentum when it is not PyTorch's 0.1.
export function engineNorm(norm, bnMomentum) {
  return norm === 'batch' && bnMomentum !== 0.1 ? `batch,momentum=${bnMomentum}` : norm;
}
