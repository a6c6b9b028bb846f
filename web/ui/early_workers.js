// Run workers started while the page is still loading: main.js imports this module first,
// and it imports nothing, so it runs before the rest of the UI and each worker starts
// fetching and compiling the engine and the digits at once. A worker sends nothing before
// its first command (worker.js), so none of its messages can arrive before a run takes it;
// only a failed start can, and it is held and dispatched again once the run's handlers are
// set.
const WORKER_URL = new URL('../worker/worker.js', import.meta.url);
// Two runs is the default comparison (web/state.js); a link with more starts the rest later.
const EARLY = 2;

const startWorker = () => new Worker(WORKER_URL, { type: 'module' });

const early = [];
if (typeof Worker === 'function') {
  for (let i = 0; i < EARLY; ++i) {
    const worker = startWorker();
    const entry = { worker, failure: null };
    worker.addEventListener('error', (e) => {
      entry.failure ??= e.message || 'the worker could not start';
    });
    early.push(entry);
  }
}

// The caller sets the worker's handlers in the same task; a failure seen before that
// reaches them afterwards.
export function takeWorker() {
  const entry = early.shift();
  if (!entry) return startWorker();
  if (entry.failure) queueMicrotask(() => entry.worker.dispatchEvent(new ErrorEvent('error', { message: entry.failure })));
  return entry.worker;
}

// Early workers no run took (a link with one run) are ended.
export function endUnusedWorkers() {
  for (const { worker } of early.splice(0)) worker.terminate();
}
