// Worker-thread entry of one memory measurement: a fresh normlab engine (SIMD build) builds
// a preset, loads the bundled digits and trains a few steps at the given batch size;
// nl.memory().heapBytes is read after each stage (the wasm heap never shrinks, so the last
// reading is the peak). Steps stop early after `maxSeconds` of training.
import { parentPort, workerData } from 'node:worker_threads';
const { preset, norm, batch, steps, maxSeconds, engine } = workerData;
const { loadEngine } = await import(new URL(`../${engine}`, import.meta.url));
const heap = {};
const report = (stage, extra = {}) => parentPort.postMessage({ type: 'progress', stage, heap: { ...heap }, ...extra });

try {
  const nl = await loadEngine({ simd: true });
  heap.loaded = nl.memory().heapBytes;
  const data = await nl.datasets.mnist();
  heap.data = nl.memory().heapBytes;
  const model = nl.createModel({ preset, norm, seed: 1 });
  const trainer = nl.createTrainer(model, data.train, { optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: batch, seed: 1 });
  heap.built = nl.memory().heapBytes;
  report('built');
  const start = performance.now();
  let done = 0;
  while (done < steps && (done === 0 || performance.now() - start < maxSeconds * 1000)) {
    trainer.steps(1);
    heap[`step${++done}`] = nl.memory().heapBytes;
    report('step', { steps: done });
  }
  parentPort.postMessage({ type: 'done', result: { heap, steps: done, peak: nl.memory().heapBytes } });
} catch (e) {
  parentPort.postMessage({ type: 'error', message: String(e?.message ?? e) });
}
