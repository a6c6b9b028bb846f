// web/state.js: URL-hash state round-trips, and bad values are refused with a message (the
// default is kept) instead of being used.
import { describe, expect, test } from 'vitest';
import { defaultState, parseField, parseHash, sameState, serializeState } from '../../../web/state.js';

describe('URL state', () => {
  test('an empty hash gives the defaults and no problems', () => {
    const { state, problems } = parseHash('');
    expect(state).toEqual(defaultState());
    expect(state).toMatchObject({ preset: 'tiny', norms: ['batch', 'layer-sample'], batch: 64, optimizer: 'sgd', seed: 1 });
    expect(problems).toEqual([]);
  });

  test('a state survives serialize then parse unchanged', () => {
    const s = { ...defaultState(), preset: 'mlp', norms: ['none', 'group:2', 'instance', 'layer-channels'], batch: 3, lr: 0.000125, optimizer: 'adamw', momentum: 0, seed: 2147483647, bnMomentum: 0.01, epochs: 7 };
    const hash = serializeState(s);
    const { state, problems } = parseHash(`#${hash}`);
    expect(problems).toEqual([]);
    expect(state).toEqual(s);
    expect(sameState(state, s)).toBe(true);
  });

  test('the serialized hash is readable (commas and group colons are not escaped)', () => {
    expect(serializeState({ ...defaultState(), norms: ['batch', 'group:4'] })).toContain('norms=batch,group:4');
  });

  test('a partial hash sets only the keys it names', () => {
    const { state, problems } = parseHash('#preset=mlp&batch=32');
    expect(problems).toEqual([]);
    expect(state).toEqual({ ...defaultState(), preset: 'mlp', batch: 32 });
  });

  test.each([
    ['batch=0', 'batch', /from 1 to 256/],
    ['batch=257', 'batch', /from 1 to 256/],
    ['batch=2.5', 'batch', /whole number/],
    ['batch=', 'batch', /whole number/],
    ['lr=0', 'lr', /greater than 0/],
    ['lr=-1', 'lr', /greater than 0/],
    ['lr=abc', 'lr', /must be a number/],
    ['lr=Infinity', 'lr', /must be a number/],
    ['lr=1e3', 'lr', /at most 100/],
    ['optimizer=rmsprop', 'optimizer', /one of sgd, adam, adamw/],
    ['momentum=1', 'momentum', /at most 0.999/],
    ['seed=-3', 'seed', /whole number/],
    ['bnMomentum=0', 'bnMomentum', /at least 0.001/],
    ['norms=batch,foo', 'norms', /"foo" is not a norm/],
    ['norms=batch,group:0', 'norms', /"group:0" is not a norm/],
    ['norms=a,b,c,d,e', 'norms', /1 to 4 norms/],
    ['preset=Tiny Net', 'preset', /preset name/],
    ['epochs=1001', 'epochs', /from 0 to 1000/],
  ])('%s is refused with a message and the default kept', (hash, key, message) => {
    const { state, problems } = parseHash(`#${hash}`);
    expect(problems).toHaveLength(1);
    expect(problems[0].key).toBe(key);
    expect(problems[0].message).toMatch(message);
    expect(problems[0].message).toMatch(/using the default/);
    expect(state[key]).toEqual(defaultState()[key]);
  });

  test('unknown keys, repeated keys and broken escapes are reported, good keys still apply', () => {
    const { state, problems } = parseHash('#batch=8&colour=red&batch=16&lr=%E0%A4%A');
    expect(state.batch).toBe(8);
    expect(problems.map((p) => p.message)).toEqual([
      'unknown setting "colour" was ignored',
      'batch is given twice; the first value is used',
      expect.stringMatching(/not valid URL encoding/),
    ]);
  });

  test('parseField checks what a control holds with the same rules', () => {
    expect(parseField('lr', ' 0.01 ')).toEqual({ value: 0.01 });
    expect(parseField('lr', '1e-4')).toEqual({ value: 0.0001 });
    expect(parseField('batch', '12')).toEqual({ value: 12 });
    expect(parseField('batch', '12abc')).toHaveProperty('error');
    expect(parseField('nope', '1')).toEqual({ error: 'is not a setting' });
  });
});

describe('embed fields (embed, controls, panels)', () => {
  test('are parsed, round-trip, and stay out of the hash while they are the defaults', () => {
    const { state, problems } = parseHash('#embed=1&controls=batch,norm&panels=loss,runs&batch=2');
    expect(problems).toEqual([]);
    expect(state).toMatchObject({ embed: 1, controls: ['batch', 'norm'], panels: ['loss', 'runs'], batch: 2 });
    expect(parseHash(serializeState(state)).state).toEqual(state);
    const plain = serializeState(defaultState());
    expect(plain).not.toMatch(/embed|controls|panels/);
    expect(parseHash('#embed=1&controls=').state.controls).toEqual([]);
  });

  test.each([
    ['embed=yes', 'embed', /whole number from 0 to 1/],
    ['controls=batch,colour', 'controls', /"colour" is not one of preset, norm, batch/],
    ['controls=batch,batch', 'controls', /twice/],
    ['panels=', 'panels', /at least 1/],
    ['panels=loss,weights', 'panels', /"weights" is not one of loss, accuracy, gap, time, draw, runs/],
  ])('%s is refused with a message and the default kept', (hash, key, message) => {
    const { state, problems } = parseHash(`#${hash}`);
    expect(problems).toHaveLength(1);
    expect(problems[0].key).toBe(key);
    expect(problems[0].message).toMatch(message);
    expect(state[key]).toEqual(defaultState()[key]);
  });
});
