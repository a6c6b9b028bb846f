// A hand-written LayerNorm over every axis but the batch (PyTorch's LayerNorm([C,H,W])),
// with elementwise gamma and beta as in normlab's LayerNorm2dSample: moments plus plain
// arithmetic, differentiated by TensorFlow.js's autograd. The stock
// tf.layers.layerNormalization over [H,W,C] computes the same function, far more slowly.
// `tf` holds tfjs-core and tfjs-layers (the UMD global, or both modules merged).

export function defineLayerNormSample(tf) {
  return class LayerNormSample extends tf.layers.Layer {
    static className = 'LayerNormSample';

    constructor({ epsilon = 1e-5, ...config } = {}) {
      super(config);
      this.epsilon = epsilon;
    }

    build(inputShape) {
      const shape = inputShape.slice(1);
      this.gamma = this.addWeight('gamma', shape, 'float32', tf.initializers.ones());
      this.beta = this.addWeight('beta', shape, 'float32', tf.initializers.zeros());
      this.built = true;
    }

    call(inputs) {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
        const { mean, variance } = tf.moments(x, axes, true);
        const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
        return tf.add(tf.mul(xhat, this.gamma.read()), this.beta.read());
      });
    }

    computeOutputShape(inputShape) {
      return inputShape;
    }

    getConfig() {
      return { ...super.getConfig(), epsilon: this.epsilon };
    }
  };
}
