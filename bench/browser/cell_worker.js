// Browser entry of one training-benchmark cell (the protocol of bench/cell.js). A classic
// worker, because TensorFlow.js's browser bundles are UMD scripts loaded with importScripts;
// normlab and the benchmark's modules come in through import(). Everything is served from
// this repository (node_modules included): nothing is fetched from elsewhere.
const TFJS = '../../node_modules/@tensorflow/';
const TFJS_SCRIPTS = [
  'tfjs-core/dist/tf-core.es2017.min.js',
  'tfjs-backend-cpu/dist/tf-backend-cpu.es2017.min.js',
  'tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js',
  'tfjs-layers/dist/tf-layers.es2017.min.js',
];

async function gunzipUrl(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const env = {
  // engine: the entry point to load, relative to the repository (bench/engine_snapshot.mjs).
  loadNormlab: async (simd, engine) => (await import(`../../${engine}`)).loadEngine({ simd }),
  async loadTf() {
    importScripts(...TFJS_SCRIPTS.map((s) => TFJS + s));
    return self.tf;
  },
  wasmPaths: new URL(`${TFJS}tfjs-backend-wasm/dist/`, self.location.href).href,
  readTrainDigits: () => Promise.all(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map((f) => gunzipUrl(`../../data/mnist/${f}`))),
};

// The driver (bench/training.mjs) sends one command at a time and waits for its answer.
const handler = import('../cell.js').then(({ cellWorker }) => cellWorker(env, (m) => postMessage(m)));
self.onmessage = async ({ data }) => (await handler)(data);
