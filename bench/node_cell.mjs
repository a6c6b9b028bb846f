// Worker-thread entry of one training-benchmark cell in Node (the protocol of bench/cell.js).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { cellWorker } from './cell.js';

const require = createRequire(import.meta.url);

const env = {
  // engine: the entry point to load, relative to the repository (bench/engine_snapshot.mjs).
  loadNormlab: async (simd, engine) => (await import(new URL(`../${engine}`, import.meta.url))).loadEngine({ simd }),
  async loadTf() {
    const core = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    return { ...core, ...require('@tensorflow/tfjs-layers'), wasm };
  },
  readTrainDigits: () =>
    Promise.all(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map(async (f) => new Uint8Array(gunzipSync(await readFile(new URL(`../data/mnist/${f}`, import.meta.url)))))),
};

parentPort.on('message', cellWorker(env, (m) => parentPort.postMessage(m)));
