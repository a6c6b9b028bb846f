// Peak wasm heap of normlab per preset and batch size, each measured in a fresh Node worker
// (memory_cell.mjs), so one measurement's heap never includes another's.
import { runNodeWorker } from './node_runner.mjs';

const ENTRY = new URL('./memory_cell.mjs', import.meta.url);

// status 'done' (peak after `steps` steps), 'does not fit' (the engine refused the
// configuration for its memory, or the heap could not grow), 'timeout', 'error'.
export async function measureMemory({ engine, presets, batches, norm = 'batch', steps = 2, maxSeconds = 30, budgetSeconds = 300, log = () => {} }) {
  const rows = [];
  for (const preset of presets) {
    for (const batch of batches) {
      const outcome = await runNodeWorker(ENTRY, { preset, norm, batch, steps, maxSeconds, engine }, budgetSeconds);
      const r = outcome.result ?? {};
      const heap = r.heap ?? outcome.progress?.heap ?? {};
      let status = outcome.status;
      // The engine refuses a configuration it has no memory for, or the heap cannot grow.
      if (status === 'error' && /needs about|may still allocate|out of memory|could not grow/i.test(outcome.message ?? '')) status = 'does not fit';
      const row = { preset, norm, batch, status, steps: r.steps ?? outcome.progress?.steps ?? 0, heap, peak: r.peak ?? Math.max(0, ...Object.values(heap)), message: outcome.message?.split('\n')[0] ?? null, seconds: outcome.seconds };
      rows.push(row);
      log(`memory ${preset} batch ${batch}: ${status}${row.peak ? `, ${(row.peak / 2 ** 20).toFixed(1)} MB` : ''} (${outcome.seconds.toFixed(1)} s)`);
    }
  }
  return rows;
}
