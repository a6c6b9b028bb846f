// Properties of the playground's URL state (web/state.js) and of the embed element's
// attribute check (embedUrl, web/embed/normlab-playground.js), written once for fast-check
// and run twice: briefly by the Vitest suite (tests/js/web/state.property.test.js) and for
// 10^7 executions by the long fuzz run (tests/fuzz/state_fuzz.mjs).
//
// The valid values of each setting are written out here from the documented rules, apart
// from the parser, so a parser that accepts too much or too little fails the properties.
import fc from 'fast-check';
import { NORM_PATTERN, OPTIMIZERS } from '../../web/protocol.js';
import { experimentRefs, findExperiment } from '../../web/experiments.js';
import {
  EMBED_CONTROLS, EMBED_PANELS, FIELDS, MAX_RUNS, RUN_VIEWS, defaultState, parseField, parseHash, resolveHash, serializeState,
} from '../../web/state.js';

const isInt = (v, min, max) => Number.isInteger(v) && v >= min && v <= max;
const isNum = (v, min, max) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const isList = (v, allowed, min) => Array.isArray(v) && v.length >= min && new Set(v).size === v.length && v.every((x) => allowed.includes(x));

const DEFAULTS = defaultState();

// key → [does a value obey the rule, arbitrary of the values that do]
const double = (min, max, minExcluded = false) => fc.double({ min, max, minExcluded, noNaN: true }).filter((v) => !Object.is(v, -0));
const norm = fc.oneof(
  fc.constantFrom('none', 'batch', 'layer-channels', 'layer-sample', 'instance'),
  fc.integer({ min: 1, max: 9999 }).map((g) => `group:${g}`),
);
export const RULES = {
  preset: [(v) => typeof v === 'string' && /^[a-z0-9-]{1,40}$/.test(v), fc.stringMatching(/^[a-z0-9-]{1,40}$/)],
  norms: [(v) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_RUNS && v.every((n) => NORM_PATTERN.test(n)), fc.array(norm, { minLength: 1, maxLength: MAX_RUNS })],
  batch: [(v) => isInt(v, 1, 256), fc.integer({ min: 1, max: 256 })],
  lr: [(v) => isNum(v, 0, 100) && v > 0, double(0, 100, true)],
  optimizer: [(v) => OPTIMIZERS.includes(v), fc.constantFrom(...OPTIMIZERS)],
  momentum: [(v) => isNum(v, 0, 0.999), double(0, 0.999)],
  seed: [(v) => isInt(v, 0, 2 ** 31 - 1), fc.integer({ min: 0, max: 2 ** 31 - 1 })],
  bnMomentum: [(v) => isNum(v, 0.001, 1), double(0.001, 1)],
  epochs: [(v) => isInt(v, 0, 1000), fc.integer({ min: 0, max: 1000 })],
  augment: [(v) => isInt(v, 0, 1), fc.integer({ min: 0, max: 1 })],
  view: [(v) => RUN_VIEWS.includes(v), fc.constantFrom(...RUN_VIEWS)],
  experiment: [(v) => v === '' || findExperiment(v) !== null, fc.constantFrom('', ...experimentRefs())],
  embed: [(v) => isInt(v, 0, 1), fc.integer({ min: 0, max: 1 })],
  controls: [(v) => isList(v, EMBED_CONTROLS, 0), fc.shuffledSubarray(EMBED_CONTROLS)],
  panels: [(v) => isList(v, EMBED_PANELS, 1), fc.shuffledSubarray(EMBED_PANELS, { minLength: 1 })],
};

// Setting names with no rule above: a new setting must get one, or it goes untested.
export const unruledFields = () => Object.keys(FIELDS).filter((k) => !(k in RULES));

export const validState = fc.record(Object.fromEntries(Object.keys(FIELDS).map((k) => [k, RULES[k]?.[1] ?? fc.constant(DEFAULTS[k])])));

// What a user, a link or an attacker may put after '#': names of settings (and of
// Object.prototype members, which a lookup in a plain object finds too), values near the
// valid ones, and arbitrary text, joined with & and = and percent escapes, some broken.
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'];
// The edges of the ranges above, and just past them.
export const EDGE_VALUES = ['-1', '0', '1', '2', '255', '256', '257', '999', '1000', '1001', '2147483647', '2147483648',
  '0.001', '0.0009', '0.999', '0.9991', '100', '100.0001', '5e-324', '1e-400', '-0', 'group:9999', 'group:10000'];
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(FIELDS)) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const token = fc.oneof(
  fc.constantFrom(...OPTIMIZERS, ...RUN_VIEWS, ...EMBED_CONTROLS, ...EMBED_PANELS, ...experimentRefs(), 'batch', 'group:0', 'group:4', 'layer-sample', 'none', 'tiny', ''),
  fc.integer({ min: -5, max: 3000 }).map(String),
  fc.constantFrom(...EDGE_VALUES),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('1e3', '-0', '+1', '.5', '5.', '0x10', '1_0', 'Infinity', 'NaN', ' 7 ', '\t1', '1e', 'e1', '١'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const rawValue = fc.oneof(token, fc.array(token, { minLength: 2, maxLength: 6 }).map((t) => t.join(',')));
const encode = (s) => fc.constantFrom(
  s,
  encodeURIComponent(s),
  encodeURIComponent(s).replace(/%2C/g, ',').replace(/%20/g, '+'),
  `${s}%`, `${s}%E0%A4%A`, `%${s}`,
);
const part = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(key, rawValue).chain(([k, v]) => fc.tuple(encode(k), encode(v)).map(([ek, ev]) => `${ek}=${ev}`)) },
  { weight: 1, arbitrary: key },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
);
const separator = fc.constantFrom('&', '&', '&', '&&', '=', '#');
export const hashLike = fc.tuple(fc.constantFrom('', '#', '##'), fc.array(fc.tuple(separator, part), { maxLength: 8 }))
  .map(([start, items]) => start + items.map(([sep, p], i) => (i ? sep : '') + p).join(''));
export const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 80 }), hashLike);

// Equality of states: numbers by ===, so -0 and 0 are the same setting.
export function sameValue(a, b) {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}
function check(ok, message) {
  if (!ok) throw new Error(message);
}

// A state every setting of which obeys its rule (or is the default).
function checkStateValid(state) {
  for (const k of Object.keys(FIELDS)) {
    check(k in state, `state lacks ${k}`);
    const v = state[k];
    const rule = RULES[k]?.[0];
    check(sameValue(v, DEFAULTS[k]) || (rule ? rule(v) : 'value' in parseField(k, FIELDS[k].format(v))), `state.${k} = ${JSON.stringify(v)} breaks its rule`);
  }
  for (const k of Object.keys(state)) check(Object.hasOwn(FIELDS, k), `state has an unknown key ${JSON.stringify(k)}`);
}

// What parseHash must do with each part of a hash, written out step by step: the state,
// and the problems in order as {key, refused} (refused: a known setting's bad value).
function expectedOutcome(hash) {
  const state = defaultState();
  const problems = [];
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const seen = new Set();
  for (const p of text ? text.split('&') : []) {
    if (!p) continue;
    const eq = p.indexOf('=');
    let k, v;
    try {
      k = decodeURIComponent(eq < 0 ? p : p.slice(0, eq));
      v = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      problems.push({ key: p, refused: false });
      continue;
    }
    if (!Object.hasOwn(FIELDS, k) || seen.has(k)) {
      problems.push({ key: k, refused: false });
      continue;
    }
    seen.add(k);
    const r = parseField(k, v);
    if ('value' in r) state[k] = r.value;
    else problems.push({ key: k, refused: true });
  }
  return { state, problems };
}

export function checkParseField(k, raw) {
  if (!Object.hasOwn(FIELDS, k)) return;
  const r = parseField(k, raw);
  check(('value' in r) !== ('error' in r), `parseField(${k}, ${JSON.stringify(raw)}) gave ${JSON.stringify(r)}`);
  if ('value' in r) check(RULES[k][0](r.value), `parseField(${k}, ${JSON.stringify(raw)}) accepted ${JSON.stringify(r.value)}`);
  else check(typeof r.error === 'string' && r.error.length > 0, 'empty error');
}

export const properties = {
  // Any text at all: no exception, a valid state, and problems a page can show.
  'parseHash and resolveHash never throw and always give a valid state': fc.property(anyText, (hash) => {
    const { state, problems } = parseHash(hash);
    checkStateValid(state);
    check(Array.isArray(problems), 'problems is not an array');
    for (const p of problems) check(typeof p.key === 'string' && typeof p.value === 'string' && typeof p.message === 'string' && p.message.length > 0, `bad problem ${JSON.stringify(p)}`);
    resolveHash(hash);
  }),

  // Every refused part is reported (in order), its setting keeps the default, and every
  // accepted value obeys the setting's rule.
  'every refused value is reported and the default kept': fc.property(hashLike, (hash) => {
    const { state, problems } = parseHash(hash);
    const expected = expectedOutcome(hash);
    check(sameValue(problems.map((p) => p.key), expected.problems.map((p) => p.key)),
      `problems ${JSON.stringify(problems.map((p) => p.key))}, expected ${JSON.stringify(expected.problems.map((p) => p.key))}`);
    for (const k of Object.keys(FIELDS)) check(sameValue(state[k], expected.state[k]), `${k} = ${JSON.stringify(state[k])}, expected ${JSON.stringify(expected.state[k])}`);
    problems.forEach((p, i) => {
      check(p.message.includes(p.key), `message does not name ${JSON.stringify(p.key)}: ${p.message}`);
      if (expected.problems[i].refused) check(p.message.includes('using the default'), `no "using the default" in: ${p.message}`);
    });
    checkStateValid(state);
  }),

  'parseField accepts only values that obey the rule': fc.property(fc.constantFrom(...Object.keys(RULES)), rawValue, (k, raw) => checkParseField(k, raw)),

  'every valid state survives serializeState then parseHash': fc.property(validState, fc.boolean(), (s, withHash) => {
    const hash = serializeState(s);
    const { state, problems } = parseHash(withHash ? `#${hash}` : hash);
    check(problems.length === 0, `problems for ${hash}: ${JSON.stringify(problems)}`);
    for (const k of Object.keys(FIELDS)) check(sameValue(state[k], s[k]), `${k}: ${JSON.stringify(s[k])} came back as ${JSON.stringify(state[k])} from ${hash}`);
  }),
};

// The embed element's attributes (kebab-case names of the settings, plus height).
export function embedProperties(embedUrl, attributeNames) {
  const fieldOf = (attr) => attr.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const names = attributeNames.filter((a) => a === 'height' || Object.hasOwn(FIELDS, fieldOf(a)));
  // Each attribute mostly valid (else nearly every element would be refused and the URL
  // side never checked), sometimes anything; preset may also name an experiment.
  const valid = (a) => {
    if (a === 'height') return fc.tuple(fc.integer({ min: 200, max: 2100 }), fc.constantFrom('', 'px', ' ')).map(([h, unit]) => `${h}${unit}`);
    const k = fieldOf(a);
    const values = (RULES[k]?.[1] ?? fc.constant(DEFAULTS[k])).map((v) => FIELDS[k].format(v));
    return a === 'preset' ? fc.oneof(values, fc.constantFrom(...experimentRefs())) : values;
  };
  const value = (a) => fc.oneof(
    { weight: 4, arbitrary: valid(a) },
    { weight: 1, arbitrary: rawValue },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  );
  const attributes = fc.record(Object.fromEntries(names.map((a) => [a, value(a)])), { requiredKeys: [] });
  // height: whole pixels from 240 to 2000, "px" allowed; 480 when not given.
  const heightOf = (raw) => {
    const h = String(raw).trim().replace(/px$/, '');
    return /^\d+$/.test(h) && Number(h) >= 240 && Number(h) <= 2000 ? Number(h) : null;
  };
  return {
    'embedUrl never throws, and either refuses naming each bad attribute or gives a URL the page accepts': fc.property(attributes, (attrs) => {
      const r = embedUrl(attrs);
      const given = Object.keys(attrs).filter((a) => attrs[a] !== undefined && attrs[a] !== null);
      if (r.errors) {
        check(Array.isArray(r.errors) && r.errors.length > 0 && r.url === undefined, `bad result ${JSON.stringify(r)}`);
        for (const e of r.errors) check(given.some((a) => e.startsWith(`${a}="`)), `error names no given attribute: ${e}`);
        for (const a of given) {
          if (a === 'preset' && findExperiment(String(attrs[a]).trim())) continue;
          const bad = a === 'height' ? heightOf(attrs[a]) === null : 'error' in parseField(fieldOf(a), attrs[a]);
          if (bad) check(r.errors.some((e) => e.startsWith(`${a}="`)), `${a}="${attrs[a]}" was refused silently`);
        }
        return;
      }
      check(typeof r.url === 'string' && r.height === (given.includes('height') ? heightOf(attrs.height) : 480), `bad result ${JSON.stringify(r)}`);
      const { state, problems } = parseHash(new URL(r.url).hash);
      check(problems.length === 0, `the page refuses ${r.url}: ${JSON.stringify(problems)}`);
      check(state.embed === 1, 'embed is not 1');
      for (const a of given) {
        if (a === 'height') continue;
        const k = a === 'preset' && findExperiment(String(attrs[a]).trim()) ? 'experiment' : fieldOf(a);
        const expected = parseField(k, attrs[a]);
        check('value' in expected && sameValue(state[k], expected.value), `${a}="${attrs[a]}" became ${k}=${JSON.stringify(state[k])}`);
      }
    }),
  };
}

// embedUrl, imported from the element's module. Importing it defines the custom element,
// which needs two browser names; Node lacks them, so stand-ins are put in place for the
// import and removed afterwards (embedUrl itself uses neither).
export async function importEmbed() {
  const saved = { HTMLElement: globalThis.HTMLElement, customElements: globalThis.customElements };
  globalThis.HTMLElement ??= class {};
  globalThis.customElements ??= { get: () => undefined, define: () => {} };
  try {
    const { embedUrl, NormlabPlayground } = await import('../../web/embed/normlab-playground.js');
    return { embedUrl, attributeNames: NormlabPlayground.observedAttributes };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete globalThis[name];
    }
  }
}
