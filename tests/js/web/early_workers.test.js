// The run workers the page starts before the rest of its UI is evaluated (web/ui/early_workers.js).
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
};
globalThis.ErrorEvent ??= class extends Event {
  constructor(type, { message = '' } = {}) {
    super(type);
    this.message = message;
  }
};
afterAll(() => delete globalThis.Worker);

test('two module workers start on import, are handed out first, and the unused ones end', async () => {
  const { takeWorker, endUnusedWorkers } = await import('../../../web/ui/early_workers.js');
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

test('a worker that failed to start before a run took it reports the failure to the run’s handler', async () => {
  const { takeWorker, endUnusedWorkers } = await import('../../../web/ui/early_workers.js?again');
  const [failed, healthy] = started.slice(-2);
  failed.dispatchEvent(Object.assign(new Event('error'), { message: 'worker.js: 404' }));
  const seen = [];
  const taken = takeWorker();
  expect(taken).toBe(failed);
  taken.addEventListener('error', (e) => seen.push(e.message));
  await Promise.resolve();
  expect(seen).toEqual(['worker.js: 404']);
  // A healthy one gets no event.
  const other = takeWorker();
  expect(other).toBe(healthy);
  let errors = 0;
  other.addEventListener('error', () => ++errors);
  await Promise.resolve();
  expect(errors).toBe(0);
  endUnusedWorkers();
});
