// The playground's settings, kept in the URL hash so any configuration is a link:
//   #preset=tiny&norms=batch,layer-sample&batch=64&lr=0.05&optimizer=sgd&momentum=0.9&seed=1&bnMomentum=0.1&epochs=0
// One table drives parsing, validation and serialization. parseHash never uses a bad value:
// it keeps the default and reports the problem (key, raw value, message) for the page to show.
import { experimentRefs, findExperiment } from './experiments.js';
import { NORM_PATTERN, OPTIMIZERS } from './protocol.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function integer(min, max) {
  return (raw) => {
    if (!/^\d+$/.test(raw)) return { error: `must be a whole number from ${min} to ${max}` };
    const v = Number(raw);
    return v >= min && v <= max ? { value: v } : { error: `must be from ${min} to ${max}` };
  };
}

function number(min, max, { minExclusive = false } = {}) {
  return (raw) => {
    if (!NUMBER.test(raw)) return { error: 'must be a number' };
    const v = Number(raw);
    const low = minExclusive ? v > min : v >= min;
    if (!Number.isFinite(v) || !low || v > max) {
      return { error: `must be ${minExclusive ? 'greater than' : 'at least'} ${min} and at most ${max}` };
    }
    return { value: v };
  };
}

function oneOf(values) {
  return (raw) => (values.includes(raw) ? { value: raw } : { error: `must be one of ${values.join(', ')}` });
}

export const MAX_RUNS = 4;
// What `controls=` may list (the settings form's controls; `norm` is the runs' norms).
export const EMBED_CONTROLS = ['preset', 'norm', 'batch', 'lr', 'optimizer', 'momentum', 'bnMomentum', 'seed', 'epochs', 'augment', 'data'];
// What `panels=` may list: the shared charts (loss, test accuracy, train-vs-eval gap, time
// per step), the drawing pad, and the per-run panels.
export const EMBED_PANELS = ['loss', 'accuracy', 'gap', 'time', 'draw', 'runs'];
// The tabs of the per-run panels.
export const RUN_VIEWS = ['overview', 'stats', 'gradients', 'mistakes'];

// A comma-separated list of distinct names from `allowed` (an empty text is an empty list).
function list(key, allowed, { min }) {
  return (raw) => {
    const items = raw === '' ? [] : raw.split(',');
    const bad = items.find((x) => !allowed.includes(x));
    if (bad !== undefined) return { error: `"${bad}" is not one of ${allowed.join(', ')}` };
    if (new Set(items).size !== items.length) return { error: `lists a ${key} entry twice` };
    if (items.length < min) return { error: `must list at least ${min} of ${allowed.join(', ')}` };
    return { value: items };
  };
}

export const FIELDS = {
  preset: {
    default: 'tiny',
    parse: (raw) => (/^[a-z0-9-]{1,40}$/.test(raw) ? { value: raw } : { error: 'must be a preset name such as tiny or mlp' }),
    format: String,
  },
  norms: {
    default: ['batch', 'layer-sample'],
    parse: (raw) => {
      const list = raw.split(',');
      if (list.length < 1 || list.length > MAX_RUNS) return { error: `must list 1 to ${MAX_RUNS} norms separated by commas` };
      const bad = list.find((n) => !NORM_PATTERN.test(n));
      if (bad !== undefined) return { error: `"${bad}" is not a norm (none, batch, layer-channels, layer-sample, group:G, instance)` };
      return { value: list };
    },
    format: (v) => v.join(','),
  },
  batch: { default: 64, parse: integer(1, 256), format: String },
  lr: { default: 0.05, parse: number(0, 100, { minExclusive: true }), format: String },
  optimizer: { default: 'sgd', parse: oneOf(OPTIMIZERS), format: String },
  momentum: { default: 0.9, parse: number(0, 0.999), format: String },
  seed: { default: 1, parse: integer(0, 2 ** 31 - 1), format: String },
  bnMomentum: { default: 0.1, parse: number(0.001, 1), format: String },
  // 0 trains until paused; N stops after N epochs.
  epochs: { default: 0, parse: integer(0, 1000), format: String },
  // 1: random shifts of up to ±2 pixels of every training digit.
  augment: { default: 0, parse: integer(0, 1), format: String },
  // Which tab of the run panels is shown.
  view: { default: 'overview', parse: oneOf(RUN_VIEWS), format: String, optional: true },
  // A one-click experiment (web/experiments.js) whose settings were loaded; the other keys of
  // the hash still apply on top of them. Loading it from the URL also starts a sweep.
  experiment: {
    default: '',
    parse: (raw) => (findExperiment(raw) ? { value: raw } : { error: `must be one of ${experimentRefs().join(', ')}` }),
    format: String,
    optional: true,
  },
  // The compact layout for iframes (web/embed/): 1 hides the header and long texts and keeps
  // play/pause/step/reset plus the controls listed in `controls`; `panels` limits the charts.
  // These three are written into the hash only when they differ from the default.
  embed: { default: 0, parse: integer(0, 1), format: String, optional: true },
  controls: { default: [], parse: list('controls', EMBED_CONTROLS, { min: 0 }), format: (v) => v.join(','), optional: true },
  panels: { default: [...EMBED_PANELS], parse: list('panels', EMBED_PANELS, { min: 1 }), format: (v) => v.join(','), optional: true },
};

export function defaultState() {
  const s = {};
  for (const [key, f] of Object.entries(FIELDS)) s[key] = Array.isArray(f.default) ? [...f.default] : f.default;
  return s;
}

// Checks one raw (string) value for `key`: {value} or {error}. Used by the controls too.
export function parseField(key, raw) {
  const field = Object.hasOwn(FIELDS, key) ? FIELDS[key] : undefined;
  if (!field) return { error: 'is not a setting' };
  return field.parse(String(raw).trim());
}

// hash: "#a=1&b=2" (the leading # is optional). Returns {state, problems, given}; every
// problem is {key, value, message} with a message a person can read, and its key keeps the
// default; given: the keys the hash set.
export function parseHash(hash) {
  const state = defaultState();
  const problems = [];
  const given = new Set();
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text) return { state, problems, given };
  const seen = new Set();
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    let key, value;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      problems.push({ key: part, value: part, message: `"${part}" is not valid URL encoding and was ignored` });
      continue;
    }
    if (!Object.hasOwn(FIELDS, key)) {
      problems.push({ key, value, message: `unknown setting "${key}" was ignored` });
      continue;
    }
    if (seen.has(key)) {
      problems.push({ key, value, message: `${key} is given twice; the first value is used` });
      continue;
    }
    seen.add(key);
    const r = parseField(key, value);
    if ('error' in r) {
      problems.push({ key, value, message: `${key}=${value} ${r.error}; using the default ${FIELDS[key].format(FIELDS[key].default)}` });
    } else {
      state[key] = r.value;
      given.add(key);
    }
  }
  return { state, problems, given };
}

// The state a hash describes: an experiment's settings, with the keys the hash gave on top.
export function resolveHash(hash) {
  const { state, problems, given } = parseHash(hash);
  if (!state.experiment) return { state, problems };
  const out = { ...state };
  for (const [key, value] of Object.entries(findExperiment(state.experiment).variant.settings)) {
    if (!given.has(key)) out[key] = Array.isArray(value) ? [...value] : value;
  }
  return { state: out, problems };
}

// The hash (without '#') for a state; parseHash(serializeState(s)).state equals s.
export function serializeState(state) {
  return Object.entries(FIELDS)
    .filter(([key, f]) => !f.optional || (state[key] !== undefined && f.format(state[key]) !== f.format(f.default)))
    .map(([key, f]) => `${key}=${encodeURIComponent(f.format(state[key])).replace(/%2C/g, ',').replace(/%3A/g, ':')}`)
    .join('&');
}

export function sameState(a, b) {
  return serializeState(a) === serializeState(b);
}
