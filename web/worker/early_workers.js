// Run workers started as the page begins to load, before the UI's modules have arrived:
// each starts fetching and compiling the engine and the bundled digits at once (worker.js
// does so before its first message), in parallel with the rest of the page. The first runs
// take these; any the page does not need are ended, and later runs start fresh.
// index.html loads this module first; it imports nothing, so it runs without waiting.
const WORKER_URL = new URL('./worker.js', import.meta.url);
// Two runs is the default comparison (web/state.js); a link with more starts the rest later.
const EARLY = 2;

export const startWorker = () => new Worker(WORKER_URL, { type: 'module' });

const early = [];
// An embedded page starts when the host scrolls it into view, which is when it loads.
if (typeof Worker === 'function') for (let i = 0; i < EARLY; ++i) early.push(startWorker());

export function takeWorker() {
  return early.shift() ?? startWorker();
}

export function endUnusedWorkers() {
  for (const w of early.splice(0)) w.terminate();
}
