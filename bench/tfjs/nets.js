// normlab's `tiny` and `baseline` presets (core/model/presets.cpp) rebuilt with tf.layers,
// channels-last (TensorFlow.js's native layout). Same layers, widths, norms and dropout
// rates; weights and biases drawn uniformly in ±1/√fan_in (PyTorch's default, which
// normlab's conv2d and dense use), each layer from its own seed; norms start at gamma = 1,
// beta = 0. `tf` holds tfjs-core and tfjs-layers.
import { defineLayerNormSample } from './layer_norm_sample.js';

const ARCHITECTURES = {
  tiny: [['conv', 8], ['norm'], ['relu'], ['pool'], ['conv', 16], ['norm'], ['relu'], ['pool'], ['flatten'], ['dense', 10]],
  baseline: [
    ['conv', 32], ['norm'], ['relu'], ['conv', 64], ['norm'], ['relu'], ['pool'],
    ['conv', 128], ['norm'], ['relu'], ['pool'],
    ['flatten'], ['dropout', 0.25], ['dense', 256], ['norm'], ['relu'], ['dropout', 0.5], ['dense', 10],
  ],
};

export const NETS = Object.keys(ARCHITECTURES);
// batch: tf.layers.batchNormalization; layer-stock: tf.layers.layerNormalization over every
// non-batch axis; layer-hand: the hand-written LayerNormSample.
export const NORMS = ['batch', 'layer-stock', 'layer-hand'];

function uniform(tf, bound, seed) {
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
}

let LayerNormSample;

function normLayer(tf, norm, rank) {
  const axis = rank === 4 ? [1, 2, 3] : -1;
  switch (norm) {
    case 'batch': // Keras momentum 0.9 is PyTorch's (and normlab's) momentum 0.1
      return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
    case 'layer-stock':
      return tf.layers.layerNormalization({ axis, epsilon: 1e-5 });
    case 'layer-hand':
      LayerNormSample ??= defineLayerNormSample(tf);
      return new LayerNormSample({ epsilon: 1e-5 });
    default:
      throw new Error(`tfjs nets: unknown norm '${norm}', expected one of ${NORMS.join(', ')}`);
  }
}

// A tf.Sequential for input (N, 28, 28, 1).
export function buildNet(tf, { preset, norm, seed }) {
  const architecture = ARCHITECTURES[preset];
  if (!architecture) throw new Error(`tfjs nets: unknown preset '${preset}', expected one of ${NETS.join(', ')}`);
  const model = tf.sequential();
  let shape = [28, 28, 1];
  let layerSeed = seed * 1000;
  const add = (layer) => {
    model.add(layer);
    shape = layer.outputShape.slice(1);
  };
  for (const [kind, arg] of architecture) {
    const input = model.layers.length === 0 ? { inputShape: shape } : {};
    if (kind === 'conv') {
      const bound = 1 / Math.sqrt(9 * shape[2]);
      add(tf.layers.conv2d({ ...input, filters: arg, kernelSize: 3, padding: 'same', kernelInitializer: uniform(tf, bound, ++layerSeed), biasInitializer: uniform(tf, bound, ++layerSeed) }));
    } else if (kind === 'dense') {
      const bound = 1 / Math.sqrt(shape[0]);
      add(tf.layers.dense({ ...input, units: arg, kernelInitializer: uniform(tf, bound, ++layerSeed), biasInitializer: uniform(tf, bound, ++layerSeed) }));
    } else if (kind === 'norm') {
      add(normLayer(tf, norm, shape.length + 1));
    } else if (kind === 'relu') {
      add(tf.layers.reLU());
    } else if (kind === 'pool') {
      add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
    } else if (kind === 'flatten') {
      add(tf.layers.flatten());
    } else if (kind === 'dropout') {
      add(tf.layers.dropout({ rate: arg, seed: ++layerSeed }));
    }
  }
  return model;
}

// One line per layer, "kind C×H×W parameters", to compare with normlab's model.info; flatten
// is left out (normlab's dense layers flatten their input themselves).
export function tfSignature(model) {
  const kinds = { Conv2D: 'conv2d', Dense: 'dense', BatchNormalization: 'norm', LayerNormalization: 'norm', LayerNormSample: 'norm', ReLU: 'relu', MaxPooling2D: 'max_pool2d', Dropout: 'dropout' };
  return model.layers
    .filter((l) => l.getClassName() !== 'Flatten')
    .map((l) => {
      const s = l.outputShape.slice(1);
      const chw = s.length === 3 ? [s[2], s[0], s[1]] : [s[0], 1, 1];
      const params = l.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
      return `${kinds[l.getClassName()] ?? l.getClassName()} ${chw.join('×')} ${params}`;
    });
}

export function normlabSignature(info) {
  const norm = (kind) => (kind.includes('norm') ? 'norm' : kind);
  return info.layers
    .filter((l) => l.kind !== 'flatten')
    .map((l) => `${norm(l.kind)} ${l.output.slice(1).join('×')} ${l.parameters}`);
}
