// normlab's npm entry point: loadEngine() resolves to the engine object `nl`.
//   const nl = await loadEngine();            // picks the SIMD build when supported
//   const nl = await loadEngine({ simd: false });
import { loadModule, simdSupported } from './loader.js';
import { call } from './handle.js';
import { defineLayers } from './layers.js';
import { defineModels } from './model.js';
import { defineDatasets } from './datasets.js';
import { defineTrainer } from './trainer.js';

export const version = '0.1.0';
export { simdSupported };

export async function loadEngine(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`loadEngine: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  if (options.simd !== undefined && typeof options.simd !== 'boolean') {
    throw new TypeError(`loadEngine: simd must be true or false, got ${typeof options.simd}`);
  }
  const { module, simd } = await loadModule(options);
  const info = call(module, () => module.engineInfo());
  const { Model, createModel, loadModel, estimateMemory } = defineModels(module);
  const { Dataset, datasets } = defineDatasets(module);
  return Object.freeze({
    version,
    simd,
    kernels: info.simd,
    presets: info.presets,
    // preset → a one-line description of its architecture.
    presetDescriptions: Object.freeze(info.presetDescriptions),
    norms: info.norms,
    ...defineLayers(module),
    Model,
    Dataset,
    createModel,
    loadModel,
    estimateMemory,
    datasets,
    ...defineTrainer(module, Model),
    // Bytes of the wasm heap (it grows on demand and never shrinks), its limit, and how
    // much more the engine may allocate (what training configurations are checked against).
    memory: () => call(module, () => module.memoryBudget()),
  });
}
