// Training a TensorFlow.js net as normlab's trainer does: SGD with momentum (PyTorch's
// form, which tf.train.momentum also uses), softmax cross-entropy averaged over the batch,
// batch statistics and dropout on (training: true), one optimizer step per batch.
import { BatchSampler } from '../digits.js';
import { buildNet, tfSignature } from './nets.js';

export function createTfTrainer(tf, { preset, norm, batch, lr, momentum, seed, digits }) {
  const model = buildNet(tf, { preset, norm, seed });
  const optimizer = tf.train.momentum(lr, momentum);
  const variables = model.trainableWeights.map((w) => w.read());
  const sampler = new BatchSampler(digits, seed);
  const pixels = new Float32Array(batch * digits.height * digits.width);
  const labels = new Int32Array(batch);

  function step() {
    sampler.fill(pixels, labels);
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [batch, digits.height, digits.width, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), true, variables);
    });
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  }

  return {
    signature: tfSignature(model),
    train: (k) => Array.from({ length: k }, step),
    tensors: () => tf.memory().numTensors,
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}
