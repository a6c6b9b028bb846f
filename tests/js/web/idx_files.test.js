// web/ui/idx_files.js: the user's IDX files are told apart by their headers, and refused with
// a message naming the file and the problem before anything large is read.
import { describe, expect, test } from 'vitest';
import { checkFileSizes, MAX_FILE_BYTES, pairIdxFiles, readIdxHeader } from '../../../web/ui/idx_files.js';

const header = (magic, count, rows = 28, cols = 28) => {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  return b;
};
const file = (name, magic, count, rows, cols) => ({ name, size: 1000, header: readIdxHeader(header(magic, count, rows, cols), name) });

describe('IDX headers', () => {
  test('images and labels are recognised with their counts and sizes', () => {
    expect(readIdxHeader(header(0x803, 60000), 'a')).toEqual({ kind: 'images', count: 60000, rows: 28, cols: 28 });
    expect(readIdxHeader(header(0x801, 10000).slice(0, 8), 'b')).toEqual({ kind: 'labels', count: 10000 });
  });

  test('anything else is refused, naming the file and its first bytes', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(readIdxHeader(png, 'cat.png').error).toMatch(/cat.png is not an MNIST-style IDX file: it starts with 89 50 4e 47/);
    expect(readIdxHeader(new Uint8Array(3), 'short').error).toMatch(/short is too short to be an IDX file \(3 bytes\)/);
    expect(readIdxHeader(header(0x803, 5).slice(0, 10), 'cut').error).toMatch(/too short for an IDX image header/);
  });
});

describe('choosing four files', () => {
  test('sizes are checked before anything is read: a 2 GB file is refused by its size', () => {
    const big = { name: 'huge.gz', size: 2 * 1024 ** 3 };
    expect(checkFileSizes([big])).toMatch(/huge.gz is 2048 MB, more than the 200 MB this page reads; it was not opened/);
    expect(checkFileSizes([{ name: 'a', size: 10 }, { name: 'b', size: 10 }])).toMatch(/choose four IDX files .* got 2 files/);
    expect(checkFileSizes(['a', 'b', 'c', 'd'].map((name) => ({ name, size: name === 'c' ? 0 : 5 })))).toBe('c is empty');
    expect(checkFileSizes(['a', 'b', 'c', 'd'].map((name) => ({ name, size: MAX_FILE_BYTES })))).toBeNull();
  });

  test('pairs by header and count, in any order, the larger pair for training', () => {
    const files = [file('t10k-labels', 0x801, 10000), file('train-images', 0x803, 60000), file('train-labels', 0x801, 60000), file('t10k-images', 0x803, 10000)];
    expect(pairIdxFiles(files)).toEqual({ trainImages: 1, trainLabels: 2, testImages: 3, testLabels: 0 });
  });

  test.each([
    [[[0x803, 60000], [0x803, 10000], [0x803, 100], [0x801, 60000]], /expected two image files and two label files, got 3 image and 1 label file/],
    [[[0x803, 60000], [0x801, 59999], [0x803, 10000], [0x801, 10000]], /img0 holds 60000 images, but no label file has as many labels \(lab1: 59999, lab3: 10000\)/],
    [[[0x803, 500], [0x801, 500], [0x803, 500], [0x801, 500]], /both pairs hold 500 samples/],
    [[[0x803, 600, 32, 32], [0x801, 600], [0x803, 100, 32, 32], [0x801, 100]], /img0 holds 32×32 images; the networks here take 28×28 digits/],
  ])('%j is refused with a message naming the problem', (spec, message) => {
    const files = spec.map(([magic, count, rows, cols], i) => file(`${magic === 0x803 ? 'img' : 'lab'}${i}`, magic, count, rows, cols));
    expect(pairIdxFiles(files).error).toMatch(message);
  });
});
