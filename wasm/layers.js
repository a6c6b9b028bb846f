// Single layers on plain NCHW Float32Arrays, for tutorial pages and experiments.
// Every class wraps one core layer (core/layers/); see index.d.ts for the contract.
import { createBox, Handle } from './handle.js';
import * as check from './check.js';

function shapeOf(name, shape) {
  if (!Array.isArray(shape) || (shape.length !== 4 && shape.length !== 2)) {
    throw new RangeError(`${name} must be an array [n, c, h, w] (or [n, c]), got ${check.describe(shape)}`);
  }
  shape.forEach((d, i) => check.integer(`${name}[${i}]`, d, 1, 1 << 24));
  return shape;
}

export function defineLayers(module) {
  class Layer extends Handle {
    #kind;
    constructor(kind, options) {
      super(module, createBox(module, module.LayerBox, [kind, options]), kind);
      this.#kind = kind;
    }

    get kind() {
      return this.#kind;
    }

    // x: Float32Array of n·c·h·w values; returns y as a new Float32Array.
    forward(x, shape, opts) {
      check.float32Array(`${this.#kind}.forward: x`, x);
      shapeOf(`${this.#kind}.forward: shape`, shape);
      const { training = true } = check.options(`${this.#kind}.forward: options`, opts);
      if (typeof training !== 'boolean') {
        throw new TypeError(`${this.#kind}.forward: training must be true or false, got ${check.describe(training)}`);
      }
      return this._call((b) => b.forward(x, shape, training));
    }

    // dy: gradient of the loss with respect to the last forward's output. Returns dx;
    // parameter gradients accumulate until zeroGrad().
    backward(dy) {
      check.float32Array(`${this.#kind}.backward: dy`, dy);
      return this._call((b) => b.backward(dy));
    }

    outputShape(shape) {
      shapeOf(`${this.#kind}.outputShape: shape`, shape);
      return this._call((b) => b.outputShape(shape));
    }

    getParameters() {
      return this._call((b) => b.parameters());
    }

    setParameters(values) {
      check.options(`${this.#kind}.setParameters: values`, values);
      this._call((b) => b.setParameters(values));
    }

    getGradients() {
      return this._call((b) => b.gradients());
    }

    zeroGrad() {
      this._call((b) => b.zeroGrad());
    }
  }

  const positive = (name, v) => check.integer(name, v, 1, 1 << 20);
  // A copy of the options, refusing keys the layer does not read (a typo would be ignored).
  const opts = (name, o, allowed) => ({ ...check.knownOptions(name, o, allowed) });
  const NORM = ['eps', 'affine'];

  class Conv2D extends Layer {
    constructor(inChannels, outChannels, kernelSize, o) {
      super('conv2d', {
        ...opts('Conv2D options', o, ['stride', 'padding', 'groups', 'bias', 'seed']),
        inChannels: positive('Conv2D inChannels', inChannels),
        outChannels: positive('Conv2D outChannels', outChannels),
        kernelSize: positive('Conv2D kernelSize', kernelSize),
      });
    }
  }

  class Dense extends Layer {
    constructor(inFeatures, outFeatures, o) {
      super('dense', {
        ...opts('Dense options', o, ['bias', 'seed']),
        inFeatures: positive('Dense inFeatures', inFeatures),
        outFeatures: positive('Dense outFeatures', outFeatures),
      });
    }
  }

  class BatchNorm2D extends Layer {
    constructor(channels, o) {
      const options = opts('BatchNorm2D options', o, [...NORM, 'momentum', 'runningVar']);
      if (options.runningVar !== undefined) check.oneOf('BatchNorm2D runningVar', options.runningVar, ['unbiased', 'biased']);
      super('batch_norm2d', { ...options, channels: positive('BatchNorm2D channels', channels) });
    }
    get runningMean() {
      return this._call((b) => b.buffers()).running_mean;
    }
    get runningVar() {
      return this._call((b) => b.buffers()).running_var;
    }
  }

  // over: 'channels' normalizes each pixel across C (ConvNeXt); 'sample' normalizes each
  // sample across C×H×W (PyTorch LayerNorm([C,H,W]); needs height and width).
  class LayerNorm2D extends Layer {
    constructor(channels, o) {
      const { over = 'channels', ...rest } = opts('LayerNorm2D options', o, [...NORM, 'over', 'height', 'width']);
      check.oneOf('LayerNorm2D over', over, ['channels', 'sample']);
      if (over === 'sample') {
        positive('LayerNorm2D height (required for over: "sample")', rest.height);
        positive('LayerNorm2D width (required for over: "sample")', rest.width);
      }
      super(over === 'channels' ? 'layer_norm2d_channels' : 'layer_norm2d_sample', {
        ...rest,
        channels: positive('LayerNorm2D channels', channels),
      });
    }
  }

  class GroupNorm2D extends Layer {
    constructor(groups, channels, o) {
      super('group_norm', {
        ...opts('GroupNorm2D options', o, NORM),
        groups: positive('GroupNorm2D groups', groups),
        channels: positive('GroupNorm2D channels', channels),
      });
    }
  }

  class InstanceNorm2D extends GroupNorm2D {
    constructor(channels, o) {
      positive('InstanceNorm2D channels', channels);  // named as the caller knows it
      super(channels, channels, o);
    }
  }

  const pool = (kind, label) =>
    class extends Layer {
      constructor(kernelSize = 2, o) {
        super(kind, { ...opts(`${label} options`, o, ['stride', 'padding']), kernelSize: positive(`${label} kernelSize`, kernelSize) });
      }
    };
  const simple = (kind) =>
    class extends Layer {
      constructor() {
        super(kind, {});
      }
    };

  return {
    Conv2D,
    Dense,
    BatchNorm2D,
    LayerNorm2D,
    GroupNorm2D,
    InstanceNorm2D,
    MaxPool2D: pool('max_pool2d', 'MaxPool2D'),
    AvgPool2D: pool('avg_pool2d', 'AvgPool2D'),
    GlobalAvgPool2D: simple('global_avg_pool2d'),
    ReLU: simple('relu'),
    GELU: simple('gelu'),
    SiLU: simple('silu'),
    Sigmoid: simple('sigmoid'),
    Flatten: simple('flatten'),
    LeakyReLU: class extends Layer {
      constructor(slope = 0.01) {
        super('leaky_relu', { slope: check.number('LeakyReLU slope', slope) });
      }
    },
    Dropout: class extends Layer {
      constructor(p = 0.5, o) {
        super('dropout', { ...opts('Dropout options', o, ['seed']), p: check.number('Dropout p', p, { min: 0, max: 1 }) });
      }
    },
  };
}
