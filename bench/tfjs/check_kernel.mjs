// Worker-thread entry (Node) that checks the hand-written Conv2DBackpropFilter of the wasm
// backend against the cpu backend's own kernel on random inputs: odd sizes, 'same' and
// 'valid' padding, stride 1 and 2, and the channel counts of the presets. Posts
// {type: 'done', result: {cases: [{x, filter, pad, stride, maxAbsError, maxAbs}], worstRelative}}.
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { registerConv2DBackpropFilter } from './conv2d_backprop_filter.js';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const CASES = [
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], pad: 'same', stride: 1 },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], pad: 'valid', stride: 1 },
  { x: [3, 11, 10, 4], filter: [3, 3, 4, 6], pad: 'same', stride: 2 },
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], pad: 'same', stride: 1 },
  { x: [2, 14, 14, 8], filter: [3, 3, 8, 16], pad: 'same', stride: 1 },
  { x: [1, 14, 14, 32], filter: [3, 3, 32, 64], pad: 'same', stride: 1 },
];

async function filterGradient(backend, c, seed) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomUniform(c.x, -1, 1, 'float32', seed);
    const y = tf.conv2d(x, tf.zeros(c.filter), c.stride, c.pad);
    const dy = tf.randomUniform([c.x[0], y.shape[1], y.shape[2], c.filter[3]], -1, 1, 'float32', seed + 1);
    const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
    return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs).dataSync().slice();
  });
}

try {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  registerConv2DBackpropFilter(tf);
  const cases = [];
  for (const [i, c] of CASES.entries()) {
    const expected = await filterGradient('cpu', c, 10 + i);
    const got = await filterGradient('wasm', c, 10 + i);
    let maxAbsError = 0, maxAbs = 0;
    for (let j = 0; j < expected.length; ++j) {
      maxAbsError = Math.max(maxAbsError, Math.abs(got[j] - expected[j]));
      maxAbs = Math.max(maxAbs, Math.abs(expected[j]));
    }
    cases.push({ ...c, maxAbsError, maxAbs });
  }
  const worstRelative = Math.max(...cases.map((c) => c.maxAbsError / c.maxAbs));
  parentPort.postMessage({ type: 'done', result: { cases, worstRelative } });
} catch (e) {
  parentPort.postMessage({ type: 'error', message: String(e?.stack ?? e) });
}
