// The bundled training digits for the TensorFlow.js side of the benchmark, normalized the
// way normlab's engine does it (core/data/dataset.cpp): (byte/255 - 0.1307) / 0.3081.
// Runs in Node and in browsers; the caller supplies the decompressed IDX bytes.

const MNIST_MEAN = 0.1307;
const MNIST_STD = 0.3081;

function readBE32(bytes, offset) {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

// images: IDX3 (magic 0x803), labels: IDX1 (magic 0x801), both already gunzipped.
export function parseDigits(images, labels) {
  if (readBE32(images, 0) !== 0x803) throw new Error('digits: the images file is not IDX3 (magic 0x00000803)');
  if (readBE32(labels, 0) !== 0x801) throw new Error('digits: the labels file is not IDX1 (magic 0x00000801)');
  const count = readBE32(images, 4), height = readBE32(images, 8), width = readBE32(images, 12);
  if (readBE32(labels, 4) !== count) throw new Error(`digits: ${count} images but ${readBE32(labels, 4)} labels`);
  if (images.length !== 16 + count * height * width) throw new Error('digits: the images file is truncated');
  const table = Float32Array.from({ length: 256 }, (_, b) => (b / 255 - MNIST_MEAN) / MNIST_STD);
  const pixels = new Float32Array(count * height * width);
  for (let i = 0; i < pixels.length; ++i) pixels[i] = table[images[16 + i]];
  return { count, height, width, pixels, labels: labels.slice(8, 8 + count) };
}

// mulberry32: a small seeded generator, so the batch order is the same in every run.
function generator(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fills (x, y) with the next batch of a seeded shuffle, reshuffled every epoch.
export class BatchSampler {
  #digits;
  #order;
  #next;
  #random;
  constructor(digits, seed) {
    this.#digits = digits;
    this.#order = Uint32Array.from({ length: digits.count }, (_, i) => i);
    this.#random = generator(seed);
    this.#next = digits.count;
  }
  fill(x, y) {
    const d = this.#digits, size = d.height * d.width;
    for (let b = 0; b < y.length; ++b) {
      if (this.#next === d.count) this.#shuffle();
      const i = this.#order[this.#next++];
      x.set(d.pixels.subarray(i * size, (i + 1) * size), b * size);
      y[b] = d.labels[i];
    }
  }
  #shuffle() {
    const o = this.#order;
    for (let i = o.length - 1; i > 0; --i) {
      const j = Math.floor(this.#random() * (i + 1));
      [o[i], o[j]] = [o[j], o[i]];
    }
    this.#next = 0;
  }
}
