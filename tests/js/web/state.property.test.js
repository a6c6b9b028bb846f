// Property tests of the URL state (web/state.js) and of the embed element's attribute check
// (embedUrl): no input makes them throw, every valid state round-trips through the hash,
// and every refused value is reported with the default kept. The properties live in
// tests/fuzz/state_properties.mjs, which the long fuzz run (scripts/fuzz.sh) shares.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultState, parseField, parseHash } from '../../../web/state.js';
import {
  EDGE_VALUES, RULES, checkParseField, embedProperties, importEmbed, properties, unruledFields,
} from '../../fuzz/state_properties.mjs';

// Enough runs to cover every setting many times, few enough to take about a second.
const RUNS = 1500;

describe('URL state properties', () => {
  test('every setting has a rule the properties check it against', () => {
    expect(unruledFields()).toEqual([]);
  });

  for (const [name, property] of Object.entries(properties)) {
    test(name, () => fc.assert(property, { numRuns: RUNS }));
  }

  test('parseField refuses every edge value outside a setting\'s range', () => {
    for (const key of Object.keys(RULES)) for (const raw of EDGE_VALUES) checkParseField(key, raw);
  });

  // Found by the properties: a lookup in a plain object also finds Object.prototype's members.
  test.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])('"%s" is an unknown setting, not an exception', (key) => {
    const { state, problems } = parseHash(`#${key}=1&batch=8`);
    expect(problems).toEqual([{ key, value: '1', message: `unknown setting "${key}" was ignored` }]);
    expect(state).toEqual({ ...defaultState(), batch: 8 });
    expect(parseField(key, '1')).toEqual({ error: 'is not a setting' });
  });
});

const embed = await importEmbed();

describe('embed attribute properties', () => {
  test('the element observes an attribute for every setting it passes on, and height', () => {
    expect(embed.attributeNames).toEqual(expect.arrayContaining(['preset', 'norms', 'batch', 'bn-momentum', 'height']));
  });

  // Found by the long fuzz run: a preset naming an experiment beside an experiment attribute.
  const examples = [[{ experiment: 'bn-vs-ln-small-batch/dense', preset: 'ioffe-szegedy' }]];
  for (const [name, property] of Object.entries(embedProperties(embed.embedUrl, embed.attributeNames))) {
    test(name, () => fc.assert(property, { numRuns: RUNS, examples }));
  }

  test('importing the element leaves no browser stand-ins behind in Node', () => {
    expect(globalThis.HTMLElement).toBeUndefined();
    expect(globalThis.customElements).toBeUndefined();
  });
});
