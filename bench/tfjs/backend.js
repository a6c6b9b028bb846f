// Puts TensorFlow.js on the backend a benchmark cell names: 'wasm' (its SIMD build when the
// runtime supports SIMD, on one thread, plus the Conv2DBackpropFilter kernel it lacks) or
// 'cpu' (plain JavaScript). `tf` holds tfjs-core, tfjs-layers and the wasm backend as
// `tf.wasm`; `wasmPaths` is where a browser fetches the backend's .wasm files.
import { registerConv2DBackpropFilter } from './conv2d_backprop_filter.js';

export async function useBackend(tf, name, { wasmPaths } = {}) {
  let simd = false, threads = 1;
  if (name === 'wasm') {
    // Threads need SharedArrayBuffer (cross-origin isolation in a browser); the comparison
    // is one thread against one thread, so they are off everywhere.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.wasm.setThreadsCount(1);
    if (wasmPaths) tf.wasm.setWasmPaths(wasmPaths);
    registerConv2DBackpropFilter(tf);
    simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  } else if (name !== 'cpu') {
    throw new Error(`tfjs backend: expected 'wasm' or 'cpu', got '${name}'`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend: setBackend('${name}') failed`);
  await tf.ready();
  if (name === 'wasm') threads = tf.wasm.getThreadsCount();
  return { backend: tf.getBackend(), simd, threads, version: tf.version_core };
}
