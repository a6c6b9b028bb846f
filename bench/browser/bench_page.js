// The benchmark's page, driven by bench/run.mjs through Playwright: training cells in
// workers of their own (the protocol of bench/cell.js), and the wasm kernel benchmark.
import { MessageQueue } from '../message_queue.js';

const workers = new Map();
let nextId = 0;

window.cells = {
  open() {
    const id = nextId++;
    const queue = new MessageQueue();
    const worker = new Worker(new URL('./cell_worker.js', import.meta.url));
    worker.onmessage = ({ data }) => queue.push(data);
    worker.onerror = (e) => queue.push({ type: 'error', message: e.message || 'the worker failed' });
    workers.set(id, { worker, queue });
    return id;
  },
  send: (id, message) => workers.get(id).worker.postMessage(message),
  next: (id, seconds) => workers.get(id).queue.next(seconds),
  close(id) {
    workers.get(id)?.worker.terminate();
    workers.delete(id);
  },
};

// An Emscripten program's printed output (the wasm kernel benchmark), or an error.
window.runScript = (script, budgetSeconds) =>
  new Promise((resolve) => {
    const worker = new Worker(new URL('./script_worker.js', import.meta.url));
    const finish = (outcome) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ status: 'timeout' }), budgetSeconds * 1000);
    worker.onmessage = ({ data: m }) => finish(m.type === 'done' ? { status: 'done', output: m.output } : { status: 'error', message: m.message });
    worker.onerror = (e) => finish({ status: 'error', message: e.message || 'worker failed to start' });
    worker.postMessage({ script });
  });

window.benchReady = true;
