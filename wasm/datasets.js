// Datasets: the bundled MNIST split, and any MNIST-format IDX pair (gzipped or not).
// Decompression uses the platform's own gzip: node:zlib in Node, DecompressionStream in
// browsers.
import { createBox, Handle } from './handle.js';
import * as check from './check.js';
import { readUrl } from './read_url.js';

const isNode = typeof process === 'object' && !!process.versions?.node;
const BUNDLED = {
  trainImages: new URL('../data/mnist/train-images-idx3-ubyte.gz', import.meta.url),
  trainLabels: new URL('../data/mnist/train-labels-idx1-ubyte.gz', import.meta.url),
  testImages: new URL('../data/mnist/t10k-images-idx3-ubyte.gz', import.meta.url),
  testLabels: new URL('../data/mnist/t10k-labels-idx1-ubyte.gz', import.meta.url),
};

export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes) {
  if (isNode) {
    const { gunzipSync } = await import('node:zlib');
    return new Uint8Array(gunzipSync(bytes));
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzipNamed(what, bytes) {
  try {
    return await gunzip(bytes);
  } catch (e) {
    throw new Error(`fromIDX ${what}: starts like gzip but does not decompress (${e.message})`);
  }
}

// The bundled files' bytes, fetched once per realm; a failed fetch is forgotten so the next
// call tries again.
let bundledFiles = null;
function readBundled() {
  if (!bundledFiles) {
    bundledFiles = Promise.all([BUNDLED.trainImages, BUNDLED.trainLabels, BUNDLED.testImages, BUNDLED.testLabels].map((url) => readUrl(url, 'datasets')));
    bundledFiles.catch(() => {
      bundledFiles = null;
    });
  }
  return bundledFiles;
}

// Starts fetching the bundled digits now (e.g. while the engine compiles); mnist() then
// waits for this fetch instead of starting its own.
export function prefetchMnist() {
  readBundled();
}

export function defineDatasets(module) {
  class Dataset extends Handle {
    #info;
    constructor(box) {
      super(module, box, 'Dataset');
      this.#info = this._call((b) => b.info());
    }
    get count() {
      return this.#info.count;
    }
    get height() {
      return this.#info.height;
    }
    get width() {
      return this.#info.width;
    }
    get classes() {
      return this.#info.classes;
    }
    // All pixels, count×height×width bytes (a copy).
    images() {
      return this._call((b) => b.images());
    }
    labels() {
      return this._call((b) => b.labels());
    }
    // Samples [first, first + count) as a new Dataset.
    slice(first, count) {
      check.integer('slice first', first, 0, this.count);
      check.integer('slice count', count, 1, this.count - first);
      return new Dataset(createBox(module, module.DatasetBox, [this._box(), first, count], 'createSlice'));
    }
    _box() {
      return this._call((b) => b);
    }
  }

  async function fromIDX(images, labels) {
    let im = check.bytes('fromIDX images', images);
    let lb = check.bytes('fromIDX labels', labels);
    if (isGzip(im)) im = await gunzipNamed('images', im);
    if (isGzip(lb)) lb = await gunzipNamed('labels', lb);
    return new Dataset(createBox(module, module.DatasetBox, [im, lb]));
  }

  async function mnist() {
    const [ti, tl, vi, vl] = await readBundled();
    const train = await fromIDX(ti, tl);
    try {
      return { train, test: await fromIDX(vi, vl) };
    } catch (e) {
      train.dispose();
      throw e;
    }
  }

  return { Dataset, datasets: { mnist, fromIDX } };
}
