// The error table: bad input through the JS API gives a thrown Error (RangeError/TypeError
// for bad arguments) whose message names the problem, and the engine computes correct
// results afterwards.
import { beforeAll, describe, expect, test } from 'vitest';
import { engine, maxAbsDiff, randomArray } from './engine.js';

let nl, data, reference;

// A fixed computation whose result must not change however many errors came before.
function canary() {
  const conv = new nl.Conv2D(1, 2, 3, { padding: 1, seed: 7 });
  const bn = new nl.BatchNorm2D(2);
  const y = bn.forward(conv.forward(randomArray(2 * 1 * 5 * 5, 11), [2, 1, 5, 5]), [2, 2, 5, 5]);
  conv.dispose();
  bn.dispose();
  return y;
}

const bytes = (...b) => new Uint8Array(b);
const idxImages = (count, h, w, extra = 0) => {
  const b = new Uint8Array(16 + count * h * w + extra);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x803);
  v.setUint32(4, count);
  v.setUint32(8, h);
  v.setUint32(12, w);
  return b;
};
const idxLabels = (count, fill = 0) => {
  const b = new Uint8Array(8 + count).fill(fill, 8);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x801);
  v.setUint32(4, count);
  return b;
};

// [description, action, error class, message pattern]
const cases = () => {
  const x8 = randomArray(2 * 8 * 4 * 4, 1);
  const model = () => nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
  const trainer = (config) => nl.createTrainer(model(), data.train, config);
  const disposed = (make) => {
    const o = make();
    o.dispose();
    return o;
  };
  return [
    ['BatchNorm2D with 0 channels', () => new nl.BatchNorm2D(0), RangeError, /channels.*got number 0/],
    ['BatchNorm2D with -3 channels', () => new nl.BatchNorm2D(-3), RangeError, /channels/],
    ['BatchNorm2D with 2.5 channels', () => new nl.BatchNorm2D(2.5), RangeError, /integer/],
    ['BatchNorm2D with a huge channel count', () => new nl.BatchNorm2D(1e12), RangeError, /channels/],
    ['BatchNorm2D with string channels', () => new nl.BatchNorm2D('8'), RangeError, /string "8"/],
    ['BatchNorm2D momentum NaN', () => new nl.BatchNorm2D(4, { momentum: NaN }), RangeError, /momentum/],
    ['BatchNorm2D momentum 2', () => new nl.BatchNorm2D(4, { momentum: 2 }), RangeError, /momentum/],
    ['BatchNorm2D eps 0', () => new nl.BatchNorm2D(4, { eps: 0 }), RangeError, /eps/],
    ['BatchNorm2D eps negative', () => new nl.BatchNorm2D(4, { eps: -1 }), RangeError, /eps/],
    ['BatchNorm2D options not an object', () => new nl.BatchNorm2D(4, 3), TypeError, /options object/],
    ['BatchNorm2D affine not boolean', () => new nl.BatchNorm2D(4, { affine: 'yes' }), RangeError, /affine/],
    ['BN forward with wrong channel count', () => new nl.BatchNorm2D(4).forward(x8, [2, 8, 4, 4]), RangeError, /8 channels.*expected 4|expected 4.*8/],
    ['BN forward with too short an array', () => new nl.BatchNorm2D(8).forward(x8.subarray(1), [2, 8, 4, 4]), RangeError, /255 values, expected 256/],
    ['BN forward with a plain array', () => new nl.BatchNorm2D(8).forward([1, 2, 3], [1, 3]), TypeError, /Float32Array/],
    ['BN forward with a Float64Array', () => new nl.BatchNorm2D(8).forward(new Float64Array(256), [2, 8, 4, 4]), TypeError, /Float64Array/],
    ['BN forward with a 3-entry shape', () => new nl.BatchNorm2D(8).forward(x8, [2, 8, 16]), RangeError, /\[n, c, h, w\]/],
    ['BN forward with a zero in the shape', () => new nl.BatchNorm2D(8).forward(x8, [0, 8, 4, 4]), RangeError, /shape\[0\]/],
    ['BN forward with a negative shape entry', () => new nl.BatchNorm2D(8).forward(x8, [2, 8, -4, -4]), RangeError, /shape\[2\]/],
    ['BN forward with a NaN shape entry', () => new nl.BatchNorm2D(8).forward(x8, [2, 8, NaN, 4]), RangeError, /shape\[2\]/],
    ['BN train forward with one value per channel', () => new nl.BatchNorm2D(3).forward(new Float32Array(3), [1, 3, 1, 1]), RangeError, /more than 1 value|one value|1 value/i],
    ['BN forward training not boolean', () => new nl.BatchNorm2D(8).forward(x8, [2, 8, 4, 4], { training: 1 }), TypeError, /training/],
    ['BN backward before forward', () => new nl.BatchNorm2D(8).backward(x8), RangeError, /forward/],
    ['BN backward with wrong dy length', () => {
      const bn = new nl.BatchNorm2D(8);
      bn.forward(x8, [2, 8, 4, 4]);
      bn.backward(new Float32Array(10));
    }, RangeError, /10 values, expected 256/],
    ['BN setParameters unknown name', () => new nl.BatchNorm2D(2).setParameters({ weight: new Float32Array(2) }), RangeError, /unknown parameter "weight"/],
    ['BN setParameters wrong length', () => new nl.BatchNorm2D(2).setParameters({ gamma: new Float32Array(3) }), RangeError, /gamma has 3 values, expected 2/],
    ['BN setParameters not Float32Array', () => new nl.BatchNorm2D(2).setParameters({ gamma: [1, 2] }), RangeError, /gamma must be a Float32Array/],
    ['BN call after dispose', () => disposed(() => new nl.BatchNorm2D(2)).forward(x8, [2, 8, 4, 4]), Error, /disposed/],
    ['runningMean after dispose', () => disposed(() => new nl.BatchNorm2D(2)).runningMean, Error, /disposed/],
    ['LayerNorm2D unknown over', () => new nl.LayerNorm2D(4, { over: 'pixels' }), RangeError, /"channels", "sample".*pixels/],
    ['LayerNorm2D sample without height', () => new nl.LayerNorm2D(4, { over: 'sample' }), RangeError, /height/],
    ['LayerNorm2D sample forward with other spatial size', () => new nl.LayerNorm2D(8, { over: 'sample', height: 3, width: 3 }).forward(x8, [2, 8, 4, 4]), RangeError, /3|4/],
    ['GroupNorm2D groups not dividing channels', () => new nl.GroupNorm2D(3, 8), RangeError, /divide|divisible/],
    ['GroupNorm2D zero groups', () => new nl.GroupNorm2D(0, 8), RangeError, /groups/],
    ['Conv2D zero kernel', () => new nl.Conv2D(1, 2, 0), RangeError, /kernelSize/],
    ['Conv2D groups not dividing', () => new nl.Conv2D(3, 4, 3, { groups: 2 }), RangeError, /groups/],
    ['Conv2D negative padding', () => new nl.Conv2D(1, 2, 3, { padding: -1 }), RangeError, /pad/],
    ['Conv2D zero stride', () => new nl.Conv2D(1, 2, 3, { stride: 0 }), RangeError, /stride/],
    ['Conv2D kernel larger than input', () => new nl.Conv2D(8, 2, 7).forward(x8, [2, 8, 4, 4]), RangeError, /kernel|larger|input/],
    ['Conv2D input channel mismatch', () => new nl.Conv2D(3, 2, 3).forward(x8, [2, 8, 4, 4]), RangeError, /channels/],
    ['Dense feature mismatch', () => new nl.Dense(10, 2).forward(x8, [2, 8, 4, 4]), RangeError, /128|10/],
    ['Dropout p = 1', () => new nl.Dropout(1), RangeError, /p/],
    ['Dropout p negative', () => new nl.Dropout(-0.1), RangeError, /Dropout p/],
    ['LeakyReLU slope NaN', () => new nl.LeakyReLU(NaN), RangeError, /slope/],
    ['MaxPool2D zero kernel', () => new nl.MaxPool2D(0), RangeError, /kernelSize/],
    ['createModel unknown preset', () => nl.createModel({ preset: 'resnet9000' }), RangeError, /resnet9000.*tiny|tiny.*resnet9000/s],
    ['createModel unknown norm', () => nl.createModel({ preset: 'tiny', norm: 'batchy' }), RangeError, /batchy/],
    ['createModel group not dividing', () => nl.createModel({ preset: 'tiny', norm: 'group:3' }), RangeError, /group|divide/],
    ['createModel negative seed', () => nl.createModel({ seed: -1 }), RangeError, /seed/],
    ['createModel fractional seed', () => nl.createModel({ seed: 1.5 }), RangeError, /seed/],
    ['createModel preset not a string', () => nl.createModel({ preset: 5 }), TypeError, /preset/],
    ['createModel bad BN momentum in the spec', () => nl.createModel({ norm: 'batch,momentum=7' }), RangeError, /momentum/],
    ['Model.forward wrong length', () => model().forward(new Float32Array(100), 1), RangeError, /100 values, expected 784/],
    ['Model.forward batch 0', () => model().forward(new Float32Array(0), 0), RangeError, /n must be an integer/],
    ['loadModel empty', () => nl.loadModel(new Uint8Array(0)), Error, /short|truncated|empty|magic/i],
    ['loadModel garbage', () => nl.loadModel(new Uint8Array(64).fill(7)), Error, /magic|NLAB/],
    ['loadModel truncated', () => { const b = model().save(); nl.loadModel(b.subarray(0, b.length - 9)); }, Error, /truncat|short|checksum|bytes/i],
    ['loadModel corrupted byte', () => { const b = model().save().slice(); b[b.length - 100] ^= 0xff; nl.loadModel(b); }, Error, /checksum|crc/i],
    ['loadModel not bytes', () => nl.loadModel('model'), TypeError, /Uint8Array/],
    ['createTrainer unknown optimizer', () => trainer({ optimizer: 'rmsprop' }), RangeError, /rmsprop/],
    ['createTrainer lr NaN', () => trainer({ lr: NaN }), RangeError, /lr|learning rate/],
    ['createTrainer negative lr', () => trainer({ lr: -1 }), RangeError, /lr|learning rate/],
    ['createTrainer batch size 0', () => trainer({ batchSize: 0 }), RangeError, /batch/],
    ['createTrainer momentum 1.5', () => trainer({ momentum: 1.5 }), RangeError, /momentum/],
    ['createTrainer unknown schedule', () => trainer({ schedule: 'warp' }), RangeError, /warp/],
    ['createTrainer model not a Model', () => nl.createTrainer({}, data.train), TypeError, /model must be a Model/],
    ['createTrainer data not a Dataset', () => nl.createTrainer(model(), [1, 2]), TypeError, /data must be a Dataset/],
    ['steps(0)', () => trainer({}).steps(0), RangeError, /count/],
    ['setLearningRate(-1)', () => trainer({}).setLearningRate(-1), RangeError, /lr/],
  ];
};

const asyncCases = [
  ['fromIDX bad magic', () => nl.datasets.fromIDX(bytes(0, 0, 9, 9, 0, 0, 0, 0), idxLabels(1)), /magic/],
  ['fromIDX truncated images', () => nl.datasets.fromIDX(idxImages(3, 28, 28).subarray(0, 100), idxLabels(3)), /bytes|short|holds/],
  ['fromIDX image/label count mismatch', () => nl.datasets.fromIDX(idxImages(3, 28, 28), idxLabels(4)), /3.*4|4.*3/],
  ['fromIDX label out of range', () => nl.datasets.fromIDX(idxImages(2, 28, 28), idxLabels(2, 42)), /label/],
  ['fromIDX trailing bytes', () => nl.datasets.fromIDX(idxImages(1, 28, 28, 5), idxLabels(1)), /bytes|holds/],
  ['fromIDX header only', () => nl.datasets.fromIDX(bytes(0, 0, 8), idxLabels(1)), /short|header/],
  ['fromIDX not bytes', () => nl.datasets.fromIDX('a', 'b'), /Uint8Array/],
  ['fromIDX broken gzip', () => nl.datasets.fromIDX(bytes(0x1f, 0x8b, 1, 2, 3), idxLabels(1)), /images: starts like gzip but does not decompress/],
];

describe('the error table', () => {
  beforeAll(async () => {
    nl = await engine(true);
    data = await nl.datasets.mnist();
    reference = canary();
  });

  test('has at least 50 cases', () => {
    expect(cases().length + asyncCases.length).toBeGreaterThanOrEqual(50);
  });

  test.each(cases().map((c, i) => [c[0], i]))('%s', (_, i) => {
    const [, action, type, pattern] = cases()[i];
    let error;
    try {
      action();
    } catch (e) {
      error = e;
    }
    expect(error, 'an error was thrown').toBeInstanceOf(type);
    expect(error.message).toMatch(pattern);
    expect(maxAbsDiff(canary(), reference)).toBe(0);
  });

  test.each(asyncCases.map((c, i) => [c[0], i]))('%s', async (_, i) => {
    const [, action, pattern] = asyncCases[i];
    await expect(action()).rejects.toThrow(pattern);
    expect(maxAbsDiff(canary(), reference)).toBe(0);
  });
});
