// The run workers index.html starts before the UI has loaded (web/worker/early_workers.js).
import { afterAll, expect, test } from 'vitest';

const started = [];
globalThis.Worker = class extends EventTarget {
  constructor(url, options) {
    super();
    this.url = String(url);
    this.options = options;
    this.terminated = false;
    started.push(this);
  }
  terminate() {
    this.terminated = true;
  }
  // What the browser does for a message from the worker: listeners, then the on… handler.
  receive(type, data) {
    const e = Object.assign(new Event(type), { data });
    this.dispatchEvent(e);
    this[`on${type}`]?.(e);
  }
};
afterAll(() => delete globalThis.Worker);

const { takeWorker, endUnusedWorkers } = await import('../../../web/worker/early_workers.js');

test('two module workers start on import, are handed out first, and the unused ones end', () => {
  expect(started).toHaveLength(2);
  expect(started.every((w) => w.url.endsWith('/web/worker/worker.js') && w.options.type === 'module')).toBe(true);
  expect(takeWorker()).toBe(started[0]);
  endUnusedWorkers();
  expect(started[1].terminated).toBe(true);
  expect(started[0].terminated).toBe(false);
  const fresh = takeWorker();
  expect(started).toHaveLength(3);
  expect(fresh).toBe(started[2]);
});

test('events a worker sent before it was taken reach its handlers, in order, before later ones', async () => {
  // A fresh copy of the module, with two new early workers.
  const again = await import('../../../web/worker/early_workers.js?second');
  const worker = started[started.length - 2];
  worker.receive('message', { type: 'engine' });
  worker.receive('error', 'no wasm');
  const seen = [];
  const taken = again.takeWorker();
  expect(taken).toBe(worker);
  taken.onmessage = (e) => seen.push(['message', e.data]);
  taken.onerror = (e) => seen.push(['error', e.data]);
  await Promise.resolve();
  worker.receive('message', { type: 'ready' });
  expect(seen).toEqual([['message', { type: 'engine' }], ['error', 'no wasm'], ['message', { type: 'ready' }]]);
  again.endUnusedWorkers();
});
