// A Conv2DBackpropFilter kernel for TensorFlow.js's wasm backend, which ships none (4.22):
// without it the gradient of a conv2d's weights throws, so the backend cannot train a CNN.
// Built from the backend's own pieces: the input's patches are gathered in JS (im2col of
// NHWC, stored transposed) into a tensor on the wasm heap, then the backend's BatchMatMul
// kernel computes dW[kh·kw·cin, cout] = patchesᵀ[kh·kw·cin, n·oh·ow] · dy[n·oh·ow, cout].
// `tf` is tfjs-core (or the UMD global that includes it).

// Writes the patches of x (n,h,w,cin) transposed into out (rows = kh·kw·cin, cols =
// n·oh·ow), zeros where a tap falls in the padding. Transposed because the backend's
// BatchMatMul is ~10× slower with transposeA than on plain operands (measured at 4.22).
function im2colTransposed(x, out, c) {
  const top = c.padInfo.top, left = c.padInfo.left;
  let o = 0;
  for (let kh = 0; kh < c.filterHeight; ++kh) {
    for (let kw = 0; kw < c.filterWidth; ++kw) {
      for (let ch = 0; ch < c.inChannels; ++ch) {
        for (let n = 0; n < c.batchSize; ++n) {
          for (let oh = 0; oh < c.outHeight; ++oh) {
            const ih = oh * c.strideHeight - top + kh * c.dilationHeight;
            const rowInside = ih >= 0 && ih < c.inHeight;
            const base = (n * c.inHeight + ih) * c.inWidth;
            for (let ow = 0; ow < c.outWidth; ++ow, ++o) {
              const iw = ow * c.strideWidth - left + kw * c.dilationWidth;
              out[o] = rowInside && iw >= 0 && iw < c.inWidth ? x[(base + iw) * c.inChannels + ch] : 0;
            }
          }
        }
      }
    }
  }
}

export function registerConv2DBackpropFilter(tf) {
  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
  const reshape = tf.getKernel('Reshape', 'wasm').kernelFunc;

  function conv2DBackpropFilter({ inputs, backend, attrs }) {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (bench kernel): only NHWC, got ${dataFormat}`);
    const c = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
    const taps = c.filterHeight * c.filterWidth * c.inChannels;
    const pixels = c.batchSize * c.outHeight * c.outWidth;
    const patches = backend.makeOutput([1, taps, pixels], 'float32');
    // Views taken after the allocation: it may grow (and so detach) the wasm memory.
    im2colTransposed(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(patches), c);
    const dy3 = reshape({ inputs: { x: dy }, backend, attrs: { shape: [1, pixels, c.outChannels] } });
    const dw3 = batchMatMul({ inputs: { a: patches, b: dy3 }, backend, attrs: { transposeA: false, transposeB: false } });
    const dw = reshape({ inputs: { x: dw3 }, backend, attrs: { shape: filterShape } });
    backend.disposeData(patches.dataId);
    backend.disposeData(dy3.dataId);
    backend.disposeData(dw3.dataId);
    return dw;
  }

  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter });
}
