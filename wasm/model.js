// Whole models from presets (the norm is a parameter of every preset), saved and loaded as
// bytes in normlab's versioned model format (core/serialize.hpp), and what training them
// costs in memory (core/model/memory_estimate.hpp).
import { call, createBox, Handle } from './handle.js';
import * as check from './check.js';

export function defineModels(module) {
  class Model extends Handle {
    #info;
    constructor(box) {
      super(module, box, 'Model');
      this.#info = this._call((b) => b.info());
    }
    get preset() {
      return this.#info.preset;
    }
    get norm() {
      return this.#info.norm;
    }
    // {preset, norm, parameters, forwardFlops, trainingFlops, inputShape, classes, layers}
    get info() {
      return structuredClone(this.#info);
    }
    // x: n normalized images (n·1·28·28 values); returns n×classes logits.
    forward(x, n, opts) {
      check.float32Array('Model.forward: x', x);
      check.integer('Model.forward: n', n, 1, 65536);
      const { training = false } = check.knownOptions('Model.forward options', opts, ['training']);
      check.boolean('Model.forward: training', training);
      return this._call((b) => b.forward(x, n, training));
    }
    getParameters() {
      return this._call((b) => b.parameters());
    }
    setParameters(values) {
      check.options('Model.setParameters: values', values);
      this._call((b) => b.setParameters(values));
    }
    // Running statistics and other saved state (e.g. "4.running_mean").
    getBuffers() {
      return this._call((b) => b.buffers());
    }
    save() {
      return this._call((b) => b.save());
    }
    // Bytes that training this model with `config` (a createTrainer config) would add to
    // it, part by part, and whether the engine can allocate them now.
    estimateMemory(config) {
      const c = check.knownOptions('Model.estimateMemory config', config, check.TRAINER_OPTIONS);
      return this._call((b) => b.estimateMemory(c));
    }
    _box() {
      return this._call((b) => b);
    }
  }

  function modelOptions(name, opts) {
    const { preset = 'tiny', norm = 'batch', ...rest } = opts;
    check.string(`${name}: preset`, preset);
    check.string(`${name}: norm`, norm);
    return { preset, norm, rest };
  }

  function createModel(opts) {
    const o = check.knownOptions('createModel options', opts, ['preset', 'norm', 'seed']);
    const { preset, norm } = modelOptions('createModel', o);
    const { seed = 1 } = o;
    check.integer('createModel: seed', seed, 0, Number.MAX_SAFE_INTEGER);
    return new Model(createBox(module, module.ModelBox, [preset, norm, seed]));
  }

  function loadModel(bytes) {
    const data = check.bytes('loadModel bytes', bytes);
    return new Model(createBox(module, module.ModelBox, [data], 'load'));
  }

  // The memory of training a preset, before building it: {preset, norm, ...trainer config}.
  // The model is built for a moment to be measured, then freed.
  function estimateMemory(opts) {
    const o = check.knownOptions('estimateMemory options', opts, ['preset', 'norm', ...check.TRAINER_OPTIONS]);
    const { preset, norm, rest } = modelOptions('estimateMemory', o);
    return call(module, () => module.estimateMemory(preset, norm, rest));
  }

  return { Model, createModel, loadModel, estimateMemory };
}
