// web/ui/draw_pad.js: a drawn digit is prepared the way MNIST's digits were.
import { describe, expect, test } from 'vitest';
import { inkFromRGBA, mnistFromInk, movePen, normalizeForEngine } from '../../../web/ui/draw_pad.js';

const SIDE = 28;

// A width × height pad with the given axis-aligned rectangles inked ([x0, y0, x1, y1), pixels).
function pad(width, height, rects) {
  const ink = new Float32Array(width * height);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y < y1; ++y) for (let x = x0; x < x1; ++x) ink[y * width + x] = 1;
  }
  return ink;
}

// Bounding box of pixels above `t`, centre of mass and total ink of a 28×28 image.
function measure(img, t = 0.05) {
  let x0 = SIDE;
  let x1 = -1;
  let y0 = SIDE;
  let y1 = -1;
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < SIDE; ++y) {
    for (let x = 0; x < SIDE; ++x) {
      const v = img[y * SIDE + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
      if (v > t) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1, x0, y0, cx: mx / mass, cy: my / mass, mass };
}

// The ink's extent in pixels, to sub-pixel precision: the largest row and column sums.
function extent(img) {
  let w = 0;
  let h = 0;
  for (let i = 0; i < SIDE; ++i) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < SIDE; ++j) {
      row += img[i * SIDE + j];
      col += img[j * SIDE + i];
    }
    w = Math.max(w, row);
    h = Math.max(h, col);
  }
  return { w, h };
}

describe('mnistFromInk', () => {
  test('an empty pad, or ink too faint to see, gives null', () => {
    expect(mnistFromInk(new Float32Array(100 * 80), 100, 80)).toBeNull();
    expect(mnistFromInk(new Float32Array(100).fill(0.05), 10, 10)).toBeNull();
  });

  test('a vertical bar becomes 20 pixels tall, thin, and centred', () => {
    const img = mnistFromInk(pad(200, 200, [[60, 30, 72, 190]]), 200, 200); // 12 × 160, off-centre
    const m = measure(img);
    expect(img).toBeInstanceOf(Float32Array);
    expect(img).toHaveLength(784);
    expect(m.height).toBe(20);
    expect(m.width).toBeLessThanOrEqual(3); // 12 × 20/160 = 1.5 pixels, plus anti-aliased edges
    expect(m.cx).toBeCloseTo(14, 1);
    expect(m.cy).toBeCloseTo(14, 1);
    expect(m.y0).toBe(4);
  });

  test('the longer side fits 20 pixels and the aspect ratio is kept', () => {
    const wide = mnistFromInk(pad(300, 300, [[20, 100, 220, 200]]), 300, 300); // 200 × 100
    expect(extent(wide).w).toBeCloseTo(20, 4);
    expect(extent(wide).h).toBeCloseTo(10, 4);
    expect(measure(wide).width).toBe(20);
    expect(measure(wide).height).toBe(10);
    const tall = mnistFromInk(pad(300, 300, [[100, 20, 150, 220]]), 300, 300); // 50 × 200
    expect(extent(tall).h).toBeCloseTo(20, 4);
    expect(extent(tall).w).toBeCloseTo(5, 4); // 5 pixels of ink, spread over 6 with grey edges
    expect(measure(tall).width).toBe(6);
  });

  test('full ink stays 1, values stay in [0, 1], and the ink is kept', () => {
    const img = mnistFromInk(pad(160, 160, [[10, 10, 115, 115]]), 160, 160);
    expect(Math.max(...img)).toBeCloseTo(1, 5);
    expect(Math.min(...img)).toBeGreaterThanOrEqual(0);
    expect(img[14 * SIDE + 14]).toBeCloseTo(1, 5);
    expect(measure(img).mass).toBeCloseTo(400, 3); // area averaging: a 20 × 20 square of ink
  });

  test('edges that cut an output pixel come out grey (anti-aliased)', () => {
    // 105 × 35 → 20 × 6.67: the top and bottom edges fall inside output pixels.
    const img = mnistFromInk(pad(160, 160, [[10, 50, 115, 85]]), 160, 160);
    const column = Array.from({ length: SIDE }, (_, y) => img[y * SIDE + 14]);
    const grey = column.filter((v) => v > 0.02 && v < 0.98);
    expect(grey).toHaveLength(2);
    expect(grey[0]).toBeCloseTo(grey[1], 5); // symmetric about the centre
    expect(grey[0]).toBeCloseTo((20 * 35) / 105 / 2 - 3, 4); // 3.33 pixels each side of 14
    expect(extent(img).h).toBeCloseTo((20 * 35) / 105, 4);
  });

  test('the centre of mass, not the bounding box, goes to the centre', () => {
    // An L: a tall bar with a heavy foot on the right, so its mass sits low and right.
    const img = mnistFromInk(pad(200, 200, [[40, 20, 60, 180], [60, 150, 160, 180]]), 200, 200);
    const m = measure(img);
    expect(m.cx).toBeCloseTo(14, 1);
    expect(m.cy).toBeCloseTo(14, 1);
    expect(m.x0).toBeGreaterThan(4); // the box (20 wide) is not centred: it starts right of 4
    expect(m.y0).toBeLessThan(4); // and above 4
  });

  test('where on the pad and how large the digit is written do not matter', () => {
    const shape = (ox, oy, k) => [
      [ox, oy, ox + 10 * k, oy + 60 * k],
      [ox + 10 * k, oy, ox + 40 * k, oy + 10 * k],
    ];
    const a = mnistFromInk(pad(200, 200, shape(10, 20, 2)), 200, 200);
    const b = mnistFromInk(pad(200, 200, shape(70, 55, 2)), 200, 200);
    for (let i = 0; i < 784; ++i) expect(b[i]).toBeCloseTo(a[i], 5);
    const big = mnistFromInk(pad(400, 400, shape(30, 40, 4)), 400, 400);
    let diff = 0;
    for (let i = 0; i < 784; ++i) diff = Math.max(diff, Math.abs(big[i] - a[i]));
    expect(diff).toBeLessThan(0.05);
  });

  test('a dot smaller than the box is scaled up to 20 pixels too', () => {
    const m = measure(mnistFromInk(pad(50, 50, [[20, 20, 24, 24]]), 50, 50));
    expect(m.width).toBe(20);
    expect(m.height).toBe(20);
  });

  test('partial ink (anti-aliased strokes) counts by its coverage', () => {
    const half = pad(100, 100, [[10, 10, 90, 90]]).map((v) => v / 2);
    const img = mnistFromInk(half, 100, 100);
    expect(img[14 * SIDE + 14]).toBeCloseTo(0.5, 5);
  });

  test('bad sizes are refused with a message that names them', () => {
    expect(() => mnistFromInk(new Float32Array(99), 10, 10)).toThrow(/expected 10×10 = 100 ink values, got 99/);
    expect(() => mnistFromInk(new Float32Array(0), 0, 10)).toThrow(/positive integers, got 0×10/);
    expect(() => mnistFromInk(null, 2, 2)).toThrow(/got none/);
  });
});

test('inkFromRGBA reads the alpha channel', () => {
  const rgba = new Uint8ClampedArray([0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 51]);
  expect(Array.from(inkFromRGBA(rgba))).toEqual([0, 1, expect.closeTo(0.2, 6)]);
});

test('normalizeForEngine applies MNIST’s mean and deviation, as the engine does', () => {
  const p = new Float32Array(784);
  p[1] = 1;
  p[2] = 0.1307;
  const n = normalizeForEngine(p);
  expect(n[0]).toBeCloseTo(-0.1307 / 0.3081, 6);
  expect(n[1]).toBeCloseTo((1 - 0.1307) / 0.3081, 6);
  expect(n[2]).toBeCloseTo(0, 6);
  expect(() => normalizeForEngine(new Float32Array(10))).toThrow(/784 pixels, got 10/);
});

test('the keyboard pen moves by its step and stays on the pad', () => {
  expect(movePen({ x: 10, y: 10 }, 'ArrowRight', 5, 100)).toEqual({ x: 15, y: 10 });
  expect(movePen({ x: 10, y: 10 }, 'ArrowUp', 20, 100)).toEqual({ x: 10, y: 0 });
  expect(movePen({ x: 98, y: 10 }, 'ArrowRight', 5, 100)).toEqual({ x: 99, y: 10 });
  expect(movePen({ x: 10, y: 10 }, 'a', 5, 100)).toBeNull();
});
