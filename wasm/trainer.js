// Training a model on a dataset: step-level control, a convenience fit() whose callbacks
// can stop it, evaluation, and probes (what the playground's charts read).
import { createBox, Handle } from './handle.js';
import * as check from './check.js';

export function defineTrainer(module) {
  class Trainer extends Handle {
    #model;
    constructor(model, data, config) {
      if (!model || typeof model._box !== 'function' || !('preset' in model)) {
        throw new TypeError(`createTrainer: model must be a Model from createModel or loadModel, got ${check.describe(model)}`);
      }
      if (!data || typeof data._box !== 'function' || !('count' in data)) {
        throw new TypeError(`createTrainer: data must be a Dataset, got ${check.describe(data)}`);
      }
      const c = check.options('createTrainer config', config);
      super(module, createBox(module, module.TrainerBox, [model._box(), data._box(), c]), 'Trainer');
      this.#model = model;
    }

    get model() {
      return this.#model;
    }

    step() {
      return this.steps(1)[0];
    }

    // Several steps in one call into the engine (calls are coarse-grained on purpose).
    steps(count) {
      check.integer('Trainer.steps: count', count, 1, 100000);
      return this._call((b) => b.steps(count));
    }

    // Trains for `epochs` epochs (or `steps` steps). onStep/onEpoch returning false stops.
    fit(opts) {
      const o = check.options('Trainer.fit options', opts);
      const { epochs = 1, onStep, onEpoch, test } = o;
      const perEpoch = this._call((b) => b.state()).stepsPerEpoch;
      const total = o.steps ?? check.integer('Trainer.fit: epochs', epochs, 1, 10000) * perEpoch;
      check.integer('Trainer.fit: steps', total, 1, 1e9);
      const done = [];
      for (let i = 0; i < total; ++i) {
        const r = this.step();
        done.push(r);
        if (onStep && onStep(r) === false) return { steps: done, stopped: true };
        if ((i + 1) % perEpoch === 0 && onEpoch) {
          const result = test ? this.evaluate(test) : null;
          if (onEpoch(r.epoch, result) === false) return { steps: done, stopped: true };
        }
      }
      return { steps: done, stopped: false };
    }

    // training: true evaluates with batch statistics (BatchNorm) without touching the
    // running statistics; false (default) uses them, as a deployed model would.
    evaluate(data, opts) {
      if (!data || typeof data._box !== 'function') {
        throw new TypeError(`Trainer.evaluate: data must be a Dataset, got ${check.describe(data)}`);
      }
      const { training = false, batchSize = 500 } = check.options('Trainer.evaluate options', opts);
      check.integer('Trainer.evaluate: batchSize', batchSize, 1, 65536);
      return this._call((b) => b.evaluate(data._box(), !!training, batchSize));
    }

    setLearningRate(lr) {
      check.number('Trainer.setLearningRate: lr', lr, { min: 0 });
      this._call((b) => b.setLearningRate(lr));
    }

    // Probe samples taken at steps ≥ sinceStep (default: all kept), oldest first.
    probes(sinceStep = 0) {
      check.number('Trainer.probes: sinceStep', sinceStep, { min: 0 });
      return this._call((b) => b.probes(sinceStep));
    }

    // {step, epoch, stepsPerEpoch}
    get state() {
      return this._call((b) => b.state());
    }
  }

  return { Trainer, createTrainer: (model, data, config) => new Trainer(model, data, config) };
}
