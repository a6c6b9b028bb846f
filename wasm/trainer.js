// Training a model on a dataset: step-level control, a convenience fit() whose callbacks
// can stop it, evaluation, probes (what the playground's charts read), and checkpoints that
// resume bitwise where training stopped (core/train/checkpoint.hpp).
import { call, createBox, Handle } from './handle.js';
import * as check from './check.js';

function dataset(name, data) {
  if (!data || typeof data._box !== 'function' || !('count' in data)) {
    throw new TypeError(`${name} must be a Dataset, got ${check.describe(data)}`);
  }
  return data;
}

// Model: the class defineModels made, for the model a resumed trainer brings along.
export function defineTrainer(module, Model) {
  // resumeTrainer builds the engine object itself and hands it over with this key.
  const RESUMED = Symbol('resumed');

  class Trainer extends Handle {
    #model;
    constructor(model, data, config) {
      let box;
      if (model === RESUMED) {
        [box, model] = [data, config];
      } else {
        if (!model || typeof model._box !== 'function' || !('preset' in model)) {
          throw new TypeError(`createTrainer: model must be a Model from createModel or loadModel, got ${check.describe(model)}`);
        }
        dataset('createTrainer: data', data);
        const c = check.knownOptions('createTrainer config', config, check.TRAINER_OPTIONS);
        box = createBox(module, module.TrainerBox, [model._box(), data._box(), c]);
      }
      super(module, box, 'Trainer');
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
      const o = check.knownOptions('Trainer.fit options', opts, ['epochs', 'steps', 'onStep', 'onEpoch', 'test']);
      const { epochs = 1, onStep, onEpoch, test } = o;
      for (const [name, f] of [['onStep', onStep], ['onEpoch', onEpoch]]) {
        if (f !== undefined && typeof f !== 'function') {
          throw new TypeError(`Trainer.fit: ${name} must be a function, got ${check.describe(f)}`);
        }
      }
      if (test !== undefined) dataset('Trainer.fit: test', test);
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
    // running statistics; false (default) uses them, as a deployed model would. batchSize
    // defaults to the config's evalBatchSize (500 unless set), which the trainer reserved
    // memory for.
    evaluate(data, opts) {
      dataset('Trainer.evaluate: data', data);
      const o = check.knownOptions('Trainer.evaluate options', opts, ['training', 'batchSize']);
      const { training = false, batchSize } = o;
      check.boolean('Trainer.evaluate: training', training);
      if (batchSize !== undefined) check.integer('Trainer.evaluate: batchSize', batchSize, 1, 65536);
      return this._call((b) => b.evaluate(data._box(), training, batchSize ?? 0));
    }

    // What BatchNorm's running statistics estimate for the current weights: per BatchNorm
    // layer, the batch mean and unbiased variance averaged over full batches of `batchSize`
    // of the first `maxSamples` samples of `data`, in train mode. Changes nothing.
    populationStats(data, opts) {
      if (!data || typeof data._box !== 'function') {
        throw new TypeError(`Trainer.populationStats: data must be a Dataset, got ${check.describe(data)}`);
      }
      const { batchSize = 64, maxSamples = data.count } = check.options('Trainer.populationStats options', opts);
      check.integer('Trainer.populationStats: batchSize', batchSize, 2, 65536);
      check.integer('Trainer.populationStats: maxSamples', maxSamples, 1, 1e9);
      return this._call((b) => b.populationStats(data._box(), batchSize, maxSamples));
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

    // A checkpoint: the model, the config and every piece of state that the next steps
    // depend on. resumeTrainer(bytes, data) continues exactly where this trainer is.
    save() {
      return this._call((b) => b.save());
    }
  }

  // A trainer from save()'s bytes, training on `data`: the dataset it was saved with.
  function resumeTrainer(bytes, data) {
    const b = check.bytes('resumeTrainer: bytes', bytes);
    dataset('resumeTrainer: data', data);
    const box = createBox(module, module.TrainerBox, [b, data._box()], 'resume');
    let model;
    try {
      const modelBox = new module.ModelBox();
      try {
        call(module, () => box.shareModel(modelBox));
        model = new Model(modelBox);
      } catch (e) {
        modelBox.delete();
        throw e;
      }
    } catch (e) {
      box.delete();
      throw e;
    }
    return new Trainer(RESUMED, box, model);
  }

  return { Trainer, createTrainer: (model, data, config) => new Trainer(model, data, config), resumeTrainer };
}
