// Run workers started as the page begins to load, before the UI's modules have arrived:
// each starts fetching and compiling the engine and the bundled digits at once (worker.js
// does so before its first message), in parallel with the rest of the page. The first runs
// take these; any the page does not need are ended, and later runs start fresh.
// index.html loads this module first; it imports nothing, so it runs without waiting.
const WORKER_URL = new URL('./worker.js', import.meta.url);
// Two runs is the default comparison (web/state.js); a link with more starts the rest later.
const EARLY = 2;
const EVENTS = ['message', 'error', 'messageerror'];

export const startWorker = () => new Worker(WORKER_URL, { type: 'module' });

// A worker's events find no handler until a run takes it, and would be lost (the engine's
// description, a failed load): they are held until then.
function startEarly() {
  const worker = startWorker();
  const held = [];
  const hold = (e) => held.push(e);
  for (const type of EVENTS) worker.addEventListener(type, hold);
  return { worker, held, hold };
}

const early = [];
// An embedded page starts when the host scrolls it into view, which is when it loads.
if (typeof Worker === 'function') for (let i = 0; i < EARLY; ++i) early.push(startEarly());

// The caller sets the worker's on… handlers in the same task; the events held so far reach
// them, in order, before any later one (events are tasks, this runs as a microtask).
export function takeWorker() {
  const next = early.shift();
  if (!next) return startWorker();
  const { worker, held, hold } = next;
  for (const type of EVENTS) worker.removeEventListener(type, hold);
  queueMicrotask(() => {
    for (const e of held) worker[`on${e.type}`]?.(e);
  });
  return worker;
}

export function endUnusedWorkers() {
  for (const { worker } of early.splice(0)) worker.terminate();
}
