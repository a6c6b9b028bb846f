// The training comparison: which cells run (system × net × norm, and TensorFlow.js's two
// LayerNorm variants), and how. The systems training one net with one norm form a group:
// each is prepared in turn (built, one warm-up step, one sizing step), then their
// repetitions are interleaved, one per system per round, so that a change in the machine's
// load hits all of them alike. A cell stops when its own time (preparation plus
// repetitions) passes the budget.

export const SYSTEMS = [
  { id: 'normlab-simd', label: 'normlab SIMD' },
  { id: 'normlab-scalar', label: 'normlab scalar' },
  { id: 'tfjs-wasm', label: 'TF.js wasm' },
  { id: 'tfjs-cpu', label: 'TF.js cpu' },
];
export const NETS = ['tiny', 'baseline'];
export const NORMS = { batch: 'BatchNorm', layer: 'LayerNorm C×H×W' };
export const LN_VARIANTS = { stock: 'stock LN', hand: 'hand-written LN' };

export const TRAINING = { batch: 64, lr: 0.01, momentum: 0.9, seed: 1 };

export function cellLabel(cell) {
  const system = SYSTEMS.find((s) => s.id === cell.system).label;
  return cell.ln ? `${system}, ${LN_VARIANTS[cell.ln]}` : system;
}

// Cells whose steps take longer than a quick run's budget (TF.js cpu's Conv2DBackpropFilter,
// the stock TF.js LayerNorm): --quick leaves them out rather than wait for them to time out;
// it keeps TF.js cpu on tiny with BatchNorm.
function slowForQuick(system, preset, norm, ln) {
  return (system === 'tfjs-cpu' && !(preset === 'tiny' && norm === 'batch')) || ln === 'stock';
}

// [[cell]]: one group per net and norm.
export function trainingPlan({ quick }) {
  const groups = [];
  for (const preset of NETS) {
    for (const norm of Object.keys(NORMS)) {
      const cells = [];
      for (const { id } of SYSTEMS) {
        const variants = id.startsWith('tfjs') && norm === 'layer' ? Object.keys(LN_VARIANTS) : [undefined];
        for (const ln of variants) {
          const skip = quick && slowForQuick(id, preset, norm, ln) ? 'not run with --quick' : null;
          cells.push({ system: id, preset, norm, ...(ln ? { ln } : {}), skip });
        }
      }
      groups.push(cells);
    }
  }
  return groups;
}

const now = () => performance.now() / 1000;

// Runs one group; openWorker() → {send, next(seconds), close} speaks bench/cell.js's protocol;
// `engine` is the normlab entry point the cells load (bench/engine_snapshot.mjs).
// Returns per cell {cell, status: 'done' | 'timeout' | 'error' | 'skipped', about, firstStep,
// secondStep, rates, losses, leakedTensors, trainingSeconds, message}.
async function runGroup(cells, openWorker, { reps, repSeconds, budgetSeconds, engine }) {
  const states = cells.map((cell) => ({ cell, status: cell.skip ? 'skipped' : 'running', note: cell.skip, about: {}, rates: [], losses: [], used: 0 }));
  const running = () => states.filter((s) => s.status === 'running');

  const stop = async (s, status, message) => {
    s.status = status;
    if (message) s.message = message;
    // A first step that never finished: how long it had run.
    if (status === 'timeout' && s.startedAt && s.firstStep === undefined) s.trainingSeconds = now() - s.startedAt;
    await s.worker.close();
  };

  // The cell's next answer within what is left of its budget; progress reports are kept.
  const answer = async (s) => {
    const t0 = now();
    for (;;) {
      const left = budgetSeconds - s.used - (now() - t0);
      const m = left > 0 ? await s.worker.next(left) : { type: 'timeout' };
      if (m.type !== 'progress') {
        s.used += now() - t0;
        return m;
      }
      if (m.stage === 'built') s.about = { signature: m.signature, flops: m.flops, runtime: m.runtime };
      if (m.stage === 'start') s.startedAt = now();
      if (m.stage === 'warm-up') [s.firstStep, s.losses] = [m.firstStep, m.losses];
    }
  };

  const settle = async (s, m, onAnswer) => {
    if (m.type === 'timeout') await stop(s, 'timeout');
    else if (m.type === 'error') await stop(s, 'error', m.message);
    else onAnswer(m);
  };

  for (const s of running()) {
    s.worker = await openWorker();
    s.worker.send({ cmd: 'prepare', spec: { ...TRAINING, ...s.cell, repSeconds, engine } });
    await settle(s, await answer(s), (m) => Object.assign(s, { firstStep: m.firstStep, secondStep: m.secondStep, losses: m.losses }));
  }
  for (let round = 0; round < reps; ++round) {
    const live = running();
    // Each round starts with a different system, so none is always first after a pause.
    for (const s of [...live.slice(round % (live.length || 1)), ...live.slice(0, round % (live.length || 1))]) {
      s.worker.send({ cmd: 'rep' });
      await settle(s, await answer(s), (m) => {
        s.rates.push((m.steps * TRAINING.batch) / m.seconds);
        s.losses.push(...m.losses);
      });
    }
  }
  for (const s of running()) {
    s.worker.send({ cmd: 'finish' });
    const m = await s.worker.next(30);
    s.leakedTensors = m.leakedTensors ?? null;
    await stop(s, 'done');
  }
  return states.map(({ worker, startedAt, used, ...rest }) => rest);
}

export async function runTraining(groups, openWorker, options) {
  const results = [];
  for (const cells of groups) {
    const states = await runGroup(cells, openWorker, options);
    states.forEach((s) => options.log(s));
    results.push(...states);
  }
  return results;
}
