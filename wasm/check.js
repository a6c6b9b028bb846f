// Argument checks of the JS face: fail early with messages that name the argument and the
// expected versus actual value. The C++ side checks again; these give JS-level wording.

export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${value.length}`;
  if (typeof value === 'string') return `the string "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

export function integer(name, value, min, max) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  return value;
}

export function number(name, value, { min = -Infinity, max = Infinity } = {}) {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

export function float32Array(name, value) {
  if (!(value instanceof Float32Array)) {
    throw new TypeError(`${name} must be a Float32Array, got ${describe(value)}`);
  }
  return value;
}

export function bytes(name, value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array or ArrayBuffer, got ${describe(value)}`);
  }
  return value;
}

export function options(name, value) {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${name} must be an options object, got ${describe(value)}`);
  }
  return value;
}

export function oneOf(name, value, allowed) {
  if (!allowed.includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  }
  return value;
}

// The options a trainer config may hold (createTrainer, estimateMemory); a misspelt key
// would otherwise be ignored silently and train with a default.
export const TRAINER_OPTIONS = [
  'optimizer', 'lr', 'momentum', 'nesterov', 'weightDecay', 'beta1', 'beta2', 'decayNormAndBias',
  'batchSize', 'seed', 'clipNorm', 'schedule', 'stepSize', 'gamma', 'totalSteps', 'warmupSteps',
  'augment', 'labelSmoothing', 'epochs', 'probeEvery', 'probeCapacity', 'evalBatchSize',
];

// An options object whose keys are all in `allowed`.
export function knownOptions(name, value, allowed) {
  const o = options(name, value);
  const unknown = Object.keys(o).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw new RangeError(`${name}: unknown option "${unknown}" (known: ${allowed.join(', ')})`);
  }
  return o;
}

export function boolean(name, value) {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

export function string(name, value) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}
