// The side-by-side benchmark (issue 6): normlab's SIMD and scalar wasm builds against
// TensorFlow.js 4.22 (wasm backend with SIMD on one thread, and cpu backend), training the
// same nets in Node and in headless Chromium; the GEMM kernel benchmarks, the peak wasm
// heap per preset, and the playground page's start-up. Prints one report; asserts nothing.
//
// Usage: npm run bench [-- --quick] [--only node|browser] [--json out.json] [--markdown out.md]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium } from './browser/chromium.mjs';
import { startServer } from './browser/server.mjs';
import { runKernelBench, runKernelBenchInBrowser } from './kernels.mjs';
import { ENGINE_DIST, snapshotEngine } from './engine_snapshot.mjs';
import { buildFingerprint, load, machine } from './machine.mjs';
import { measureMemory } from './memory.mjs';
import { openNodeWorker, runNodeWorker } from './node_runner.mjs';
import { notes } from './notes.mjs';
import { renderMarkdown, renderText } from './report.mjs';
import { summarize } from './results.js';
import { buildSizes, measureStartup } from './startup.mjs';
import { TRAINING, cellLabel, runTraining, trainingPlan } from './training.mjs';

const USAGE = 'usage: node bench/run.mjs [--quick] [--only node|browser] [--json FILE] [--markdown FILE]';

function options() {
  let values;
  try {
    ({ values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, json: { type: 'string' }, markdown: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    console.error(`bench: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.only !== undefined && !['node', 'browser'].includes(values.only)) {
    console.error(`bench: --only must be node or browser, got "${values.only}"\n${USAGE}`);
    process.exit(2);
  }
  return values;
}

const args = options();
const MODE = args.quick
  ? { name: 'quick', reps: 3, repSeconds: 0.25, budgetSeconds: 30, memoryPresets: ['tiny', 'baseline'], startupLoads: 2 }
  : { name: 'full', reps: 7, repSeconds: 1, budgetSeconds: 60, memoryPresets: 'all', startupLoads: 5 };
const runs = { node: args.only !== 'browser', browser: args.only !== 'node' };
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

// Every training and memory cell loads this copy, so a rebuild of wasm/dist during the run
// changes nothing they measure (the start-up page loads wasm/dist itself).
const engine = snapshotEngine();

const run = {
  meta: { ...machine(), builds: buildFingerprint(ENGINE_DIST), mode: MODE.name, reps: MODE.reps, repSeconds: MODE.repSeconds, budgetSeconds: MODE.budgetSeconds, training: TRAINING, chromium: null },
  training: {},
  flops: {},
  kernels: {},
  kernelCheck: null,
  memory: [],
  startup: null,
  sizes: [],
  notes: [],
};
log(`${MODE.name} run; load average ${run.meta.loadStart.join(' ')}`);

// Kernels first, while nothing else of ours runs. A quick run that goes to the browser
// runs the wasm one there only.
for (const which of args.quick && runs.browser ? ['native'] : ['native', 'wasm']) {
  log(`${which} kernel benchmark`);
  run.kernels[which] = await runKernelBench(which);
}

log('checking the hand-written Conv2DBackpropFilter against the cpu backend');
const check = await runNodeWorker(new URL('./tfjs/check_kernel.mjs', import.meta.url), null, 300);
run.kernelCheck = check.result ?? { error: check.message ?? check.status };

function logCell(runtime) {
  return (state) => {
    const { cell } = state;
    const s = summarize(state, { batch: TRAINING.batch, reps: MODE.reps });
    const what = s.rate !== undefined ? `${s.rate.toFixed(1)} samples/s (${s.kind})` : s.upperBound !== undefined ? `no step, < ${s.upperBound.toFixed(2)} samples/s` : s.kind;
    log(`${runtime} ${cell.preset} ${cell.norm} ${cellLabel(cell)}: ${what}`);
  };
}

async function training(runtime, openWorker) {
  const states = await runTraining(trainingPlan({ quick: args.quick }), openWorker, { ...MODE, engine, log: logCell(runtime) });
  return states.map((state) => {
    if (state.about.flops) run.flops[state.cell.preset] = state.about.flops;
    return {
      cell: state.cell,
      summary: summarize(state, { batch: TRAINING.batch, reps: MODE.reps }),
      signature: state.about.signature ?? null,
      runtime: state.about.runtime ?? null,
      leakedTensors: state.leakedTensors ?? null,
      firstLoss: state.losses[0] ?? null,
      rates: state.rates,
      message: state.message ?? null,
    };
  });
}

// The browser's cell workers, driven through the benchmark page.
function pageWorkers(page) {
  return async () => {
    const id = await page.evaluate(() => window.cells.open());
    // A page that crashed (out of memory, say) fails the cell, not the run.
    const failed = (e) => ({ type: 'error', message: `the benchmark page failed: ${String(e.message).split('\n')[0]}` });
    return {
      send: (message) => page.evaluate(([i, m]) => window.cells.send(i, m), [id, message]).catch(() => {}),
      next: (seconds) => page.evaluate(([i, t]) => window.cells.next(i, t), [id, seconds]).catch(failed),
      close: () => page.evaluate((i) => window.cells.close(i), id).catch(() => {}),
    };
  };
}

if (runs.node) run.training.node = await training('Node', async () => openNodeWorker());

if (runs.browser) {
  const server = await startServer();
  const { browser, version } = await launchChromium();
  run.meta.chromium = version;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}bench/browser/bench.html`);
    await page.waitForFunction(() => window.benchReady === true);
    log('wasm kernel benchmark in Chromium');
    run.kernels.wasmChromium = await runKernelBenchInBrowser(page);
    run.training.browser = await training('Chromium', pageWorkers(page));
    await context.close();
    log(`start-up: ${MODE.startupLoads} loads of the playground page`);
    run.startup = { loads: await measureStartup(browser, server, { reps: MODE.startupLoads }) };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (runs.node) {
  const presets = MODE.memoryPresets === 'all' ? (await (await import(`../${engine}`)).loadEngine()).presets : MODE.memoryPresets;
  run.memory = await measureMemory({ engine, presets, batches: [64, 256], log });
}
run.sizes = buildSizes(ENGINE_DIST);
run.meta.loadEnd = load();
run.meta.pageBuilds = buildFingerprint('wasm/dist');
run.notes = notes(run);

console.log(renderText(run));
if (args.json) writeFileSync(args.json, `${JSON.stringify(run, null, 1)}\n`);
if (args.markdown) writeFileSync(args.markdown, `${renderMarkdown(run)}\n`);
