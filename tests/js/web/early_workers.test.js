// The run workers index.html starts before the UI has loaded (web/worker/early_workers.js).
import { afterAll, expect, test } from 'vitest';

const started = [];
globalThis.Worker = class {
  constructor(url, options) {
    this.url = String(url);
    this.options = options;
    this.terminated = false;
    started.push(this);
  }
  terminate() {
    this.terminated = true;
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
