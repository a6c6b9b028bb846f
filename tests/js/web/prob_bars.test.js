// web/charts/prob_bars.js: probabilities from logits, and the words that describe them.
import { describe, expect, test } from 'vitest';
import { checkProbabilities, describeProbabilities, formatProbability, ranked, softmax } from '../../../web/charts/prob_bars.js';

describe('softmax', () => {
  test('matches exp(l) / Σ exp(l) and sums to 1', () => {
    const logits = [1, 2, 3, -1, 0, 0.5, -2, 4, 1.5, 0];
    const p = softmax(Float32Array.from(logits));
    const z = logits.reduce((s, l) => s + Math.exp(l), 0);
    logits.forEach((l, i) => expect(p[i]).toBeCloseTo(Math.exp(l) / z, 6));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(p).toBeInstanceOf(Float32Array);
  });

  test('is stable for huge logits, where exp alone overflows', () => {
    expect(Math.exp(1000)).toBe(Infinity);
    const p = softmax([1000, 1000, 999]);
    const e = Math.exp(-1);
    expect(p[0]).toBeCloseTo(1 / (2 + e), 6);
    expect(p[2]).toBeCloseTo(e / (2 + e), 6);
    const q = softmax([-1000, -1001]);
    expect(q[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
  });

  test('shifting every logit changes nothing; -Infinity gets probability 0', () => {
    const a = softmax([0.3, -1.2, 2.5]);
    const b = softmax([100.3, 98.8, 102.5]);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    expect(Array.from(softmax([0, -Infinity]))).toEqual([1, 0]);
  });

  test('refuses what has no probabilities', () => {
    expect(() => softmax([])).toThrow(/at least one logit/);
    expect(() => softmax([0, NaN])).toThrow(/logit 1 is NaN/);
    expect(() => softmax([Infinity, 0])).toThrow(/logit 0 is Infinity/);
    expect(() => softmax([-Infinity, -Infinity])).toThrow(/every logit is -Infinity/);
  });
});

describe('words and checks', () => {
  const p = Float32Array.from([0.01, 0.05, 0, 0, 0, 0, 0, 0.92, 0.02, 0]);
  test('ranked: highest first, ties by digit', () => {
    expect(ranked(p).slice(0, 3).map((r) => r.digit)).toEqual([7, 1, 8]);
    expect(ranked(new Float32Array(10).fill(0.1)).map((r) => r.digit)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  test('the sentence names the top two', () => {
    expect(describeProbabilities(p)).toBe('Reads 7, 92% sure; next 1, 5%.');
    expect(describeProbabilities(null)).toMatch(/Draw a digit/);
  });
  test('rounding never claims certainty or zero', () => {
    expect(formatProbability(0)).toBe('0%');
    expect(formatProbability(0.001)).toBe('<1%');
    expect(formatProbability(0.4449)).toBe('44%');
    expect(formatProbability(0.9991)).toBe('>99%');
    expect(formatProbability(1)).toBe('100%');
  });
  test('bad probabilities are refused with the digit named', () => {
    expect(() => checkProbabilities(new Float32Array(9))).toThrow(/expected 10 class probabilities, got 9/);
    const bad = new Float32Array(10);
    bad[3] = NaN;
    expect(() => checkProbabilities(bad)).toThrow(/digit 3 must be in \[0, 1\], got NaN/);
    expect(() => checkProbabilities(p)).not.toThrow();
  });
});
