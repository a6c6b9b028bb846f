// web/charts/digit_gallery.js: which mistakes are shown, in what order, in which words and colours.
import { describe, expect, test } from 'vitest';
import { digitAlt, digitCaption, digitRGBA, galleryOrder, gallerySummary, parseColor } from '../../../web/charts/digit_gallery.js';

const item = (label, predicted, confidence) => ({ image: new Uint8Array(784), label, predicted, confidence });

describe('order and limit', () => {
  test('most confident mistakes first, ties in the given order, at most `limit`', () => {
    const items = [item(1, 7, 0.5), item(4, 9, 0.97), item(3, 5, 0.5), item(2, 8, 0.6)];
    expect(galleryOrder(items, 10).map((i) => i.label)).toEqual([4, 2, 1, 3]);
    expect(galleryOrder(items, 2).map((i) => i.label)).toEqual([4, 2]);
    expect(galleryOrder([], 5)).toEqual([]);
  });
  test('bad items are refused with the item named', () => {
    expect(() => galleryOrder([item(1, 7, 0.5), { ...item(1, 7, 0.5), image: new Uint8Array(783) }], 5)).toThrow(/item 1: image must hold 784 bytes, got 783/);
    expect(() => galleryOrder([item(10, 7, 0.5)], 5)).toThrow(/label must be a digit 0–9, got 10/);
    expect(() => galleryOrder([item(1, 7, 1.5)], 5)).toThrow(/confidence must be in \[0, 1\], got 1.5/);
    expect(() => galleryOrder('nope', 5)).toThrow(/must be an array/);
  });
});

describe('words', () => {
  test('caption and alt text', () => {
    expect(digitCaption(item(7, 1, 0.834))).toBe('7 → 1 (83%)');
    expect(digitAlt(item(7, 1, 0.834))).toBe('A handwritten 7 that the network read as 1, 83% sure');
    expect(digitCaption(item(6, 0, 0.9996))).toBe('6 → 0 (>99%)'); // rounding never claims certainty
  });
  test('the summary counts what is shown', () => {
    expect(gallerySummary(0, 0)).toBe('No misclassified test digits.');
    expect(gallerySummary(1, 1)).toBe('Showing the one misclassified test digit.');
    expect(gallerySummary(5, 5)).toBe('Showing all 5 misclassified test digits, the most confident mistakes first.');
    expect(gallerySummary(24, 88)).toBe('Showing 24 of the 88 misclassified test digits, the most confident mistakes first.');
  });
});

describe('pixels', () => {
  test('colours parse from hex and rgb()', () => {
    expect(parseColor('#1d1d1f')).toEqual([29, 29, 31]);
    expect(parseColor(' #fff ')).toEqual([255, 255, 255]);
    expect(parseColor('rgb(10, 20, 30)')).toEqual([10, 20, 30]);
    expect(parseColor('rgba(10 20 30 / 0.5)')).toEqual([10, 20, 30]);
    expect(parseColor('tomato')).toBeNull();
  });
  test('0 paints paper, max paints ink, between is blended; opaque', () => {
    const rgba = digitRGBA(Uint8Array.from([0, 255, 51]), 255, [0, 0, 0], [250, 200, 100]);
    expect(Array.from(rgba)).toEqual([250, 200, 100, 255, 0, 0, 0, 255, 200, 160, 80, 255]);
    const f = digitRGBA(Float32Array.from([0.5, 2, NaN]), 1, [255, 255, 255], [0, 0, 0]);
    expect(Array.from(f)).toEqual([128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  });
});
