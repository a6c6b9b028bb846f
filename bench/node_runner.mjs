// Node worker threads for the benchmark, each with its own wasm instances and heap.
// TensorFlow.js prints a banner in Node; a worker's stdout and stderr are kept, not shown.
import { Worker } from 'node:worker_threads';
import { MessageQueue } from './message_queue.js';

function startWorker(entry, workerData, onMessage, onEnd) {
  const log = [];
  const worker = new Worker(entry, { workerData, stdout: true, stderr: true });
  worker.stdout.on('data', (d) => log.push(String(d)));
  worker.stderr.on('data', (d) => log.push(String(d)));
  worker.on('message', onMessage);
  worker.on('error', (e) => onEnd(`worker failed: ${e?.stack ?? e}`));
  worker.on('exit', (code) => onEnd(`worker exited with code ${code}`));
  return { worker, log };
}

// A worker driven by messages (bench/cell.js): {send(message), next(seconds), close()}.
export function openNodeWorker(entry = new URL('./node_cell.mjs', import.meta.url)) {
  const queue = new MessageQueue();
  let closed = false;
  const { worker } = startWorker(entry, null, (m) => queue.push(m), (message) => closed || queue.push({ type: 'error', message }));
  return {
    send: (message) => worker.postMessage(message),
    next: (seconds) => queue.next(seconds),
    close() {
      closed = true;
      return worker.terminate();
    },
  };
}

// A one-shot worker that posts {type: 'progress' | 'done' | 'error'}, stopped after
// budgetSeconds. Resolves to {status: 'done' | 'timeout' | 'error', result?, progress?,
// message?, seconds, log}; `progress` merges the reports of a worker that did not finish.
export function runNodeWorker(entry, workerData, budgetSeconds) {
  return new Promise((resolve) => {
    const start = performance.now();
    let progress = null;
    let finished = false;
    const finish = (outcome) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ ...outcome, progress, seconds: (performance.now() - start) / 1000, log: run.log.join('') });
      run.worker.terminate();
    };
    const timer = setTimeout(() => finish({ status: 'timeout' }), budgetSeconds * 1000);
    const run = startWorker(
      entry,
      workerData,
      (m) => {
        if (m.type === 'progress') progress = { ...progress, ...m };
        else if (m.type === 'done') finish({ status: 'done', result: m.result });
        else if (m.type === 'error') finish({ status: 'error', message: m.message });
      },
      (message) => finish({ status: 'error', message }),
    );
  });
}
