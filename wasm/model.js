// Whole models from presets (the norm is a parameter of every preset), saved and loaded as
// bytes in normlab's versioned model format (core/serialize.hpp).
import { createBox, Handle } from './handle.js';
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
      const { training = false } = check.options('Model.forward: options', opts);
      return this._call((b) => b.forward(x, n, !!training));
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
    _box() {
      return this._call((b) => b);
    }
  }

  function createModel(opts) {
    const { preset = 'tiny', norm = 'batch', seed = 1 } = check.options('createModel options', opts);
    if (typeof preset !== 'string') throw new TypeError(`createModel: preset must be a string, got ${check.describe(preset)}`);
    if (typeof norm !== 'string') throw new TypeError(`createModel: norm must be a string, got ${check.describe(norm)}`);
    check.integer('createModel: seed', seed, 0, Number.MAX_SAFE_INTEGER);
    return new Model(createBox(module, module.ModelBox, [preset, norm, seed]));
  }

  function loadModel(bytes) {
    const data = check.bytes('loadModel bytes', bytes);
    return new Model(createBox(module, module.ModelBox, [data], 'load'));
  }

  return { Model, createModel, loadModel };
}
