// One cell of the training benchmark: one system training one net with one norm, inside a
// worker (a Node worker thread, node_cell.mjs, or a browser worker, browser/cell_worker.js),
// driven by messages so that bench/training.mjs can interleave the repetitions of all the
// systems of a net:
//   {cmd: 'prepare', spec} → reports {type: 'progress', stage: 'built' | 'start' | 'warm-up'},
//                            then {type: 'prepared', firstStep, secondStep, stepsPerRep, losses}
//       builds the net, trains one warm-up step (compilation, first allocations) and one step
//       that sizes a repetition to about spec.repSeconds;
//   {cmd: 'rep'}    → {type: 'rep', seconds, steps, losses}: one repetition of whole steps;
//   {cmd: 'finish'} → {type: 'finished', leakedTensors}.
// Failures answer {type: 'error', message}.
// `env` supplies what differs between Node and browsers: loadNormlab(simd, engine) → the
// engine (spec.engine: its entry point, relative to the repository),
// loadTf() → TensorFlow.js (core, layers, tf.wasm), readTrainDigits() → [images, labels] IDX
// bytes, and wasmPaths (browsers only).
// spec: { system: 'normlab-simd' | 'normlab-scalar' | 'tfjs-wasm' | 'tfjs-cpu',
//         preset, norm: 'batch' | 'layer' (over C×H×W), ln: 'stock' | 'hand' (TF.js, layer),
//         batch, lr, momentum, seed, repSeconds, engine }
import { parseDigits } from './digits.js';
import { useBackend } from './tfjs/backend.js';
import { normlabSignature } from './tfjs/nets.js';
import { createTfTrainer } from './tfjs/trainer.js';

const now = () => performance.now() / 1000;

// → { train(k) → losses, about: {signature, flops?, runtime}, leakedTensors(), dispose() }
async function normlabTrainer(spec, env) {
  const nl = await env.loadNormlab(spec.system === 'normlab-simd', spec.engine);
  const data = await nl.datasets.mnist();
  const model = nl.createModel({ preset: spec.preset, norm: spec.norm === 'batch' ? 'batch' : 'layer-sample', seed: spec.seed });
  const trainer = nl.createTrainer(model, data.train, { optimizer: 'sgd', lr: spec.lr, momentum: spec.momentum, batchSize: spec.batch, seed: spec.seed });
  return {
    // One call into the engine per repetition: the API's coarse-grained path.
    train: (k) => trainer.steps(k).map((r) => r.loss),
    about: { signature: normlabSignature(model.info), flops: model.info.trainingFlops, runtime: { simd: nl.simd, kernels: nl.kernels } },
    leakedTensors: () => null,
  };
}

async function tfTrainer(spec, env) {
  const tf = await env.loadTf();
  const runtime = await useBackend(tf, spec.system === 'tfjs-wasm' ? 'wasm' : 'cpu', { wasmPaths: env.wasmPaths });
  const digits = parseDigits(...(await env.readTrainDigits()));
  const trainer = createTfTrainer(tf, { ...spec, norm: spec.norm === 'batch' ? 'batch' : `layer-${spec.ln}`, digits });
  let tensorsAfterWarmUp = null;
  return {
    train(k) {
      const losses = trainer.train(k);
      tensorsAfterWarmUp ??= trainer.tensors();
      return losses;
    },
    about: { signature: trainer.signature, runtime },
    // Tensors that outlive a step would be a leak, and a slowing benchmark.
    leakedTensors: () => trainer.tensors() - tensorsAfterWarmUp,
  };
}

// The message handler of a cell's worker; `post` sends a message back.
export function cellWorker(env, post) {
  let cell = null;
  let stepsPerRep = 1;
  const commands = {
    async prepare({ spec }) {
      cell = await (spec.system.startsWith('normlab') ? normlabTrainer : tfTrainer)(spec, env);
      post({ type: 'progress', stage: 'built', ...cell.about });
      post({ type: 'progress', stage: 'start' });
      let t = now();
      const losses = cell.train(1);
      const firstStep = now() - t;
      post({ type: 'progress', stage: 'warm-up', firstStep, losses });
      t = now();
      losses.push(...cell.train(1));
      const secondStep = now() - t;
      stepsPerRep = Math.max(1, Math.round(spec.repSeconds / secondStep));
      post({ type: 'prepared', firstStep, secondStep, stepsPerRep, losses });
    },
    rep() {
      const t = now();
      const losses = cell.train(stepsPerRep);
      const seconds = now() - t;
      post({ type: 'rep', seconds, steps: stepsPerRep, losses });
    },
    finish() {
      post({ type: 'finished', leakedTensors: cell.leakedTensors() });
    },
  };
  return async (message) => {
    try {
      await commands[message.cmd](message);
    } catch (e) {
      post({ type: 'error', message: String(e?.stack ?? e) });
    }
  };
}
