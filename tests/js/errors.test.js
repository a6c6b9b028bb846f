// The error table: bad input through every public function and constructor of the npm
// module (wasm/index.d.ts) gives a thrown Error (RangeError or TypeError for bad
// arguments) whose message names what was wrong, and the engine computes a canary
// bit-identically afterwards. Each row: [description, action, error class, message pattern].
import { beforeAll, describe, expect, test } from 'vitest';
import { loadEngine } from '../../wasm/index.js';
import { engine, randomArray } from './engine.js';

let nl, data, wide, reference, checkpoint, modelFile;

// A fixed computation whose result must not change however many errors came before.
function canary() {
  const conv = new nl.Conv2D(1, 2, 3, { padding: 1, seed: 7 });
  const bn = new nl.BatchNorm2D(2);
  const y = bn.forward(conv.forward(randomArray(2 * 1 * 5 * 5, 11), [2, 1, 5, 5]), [2, 2, 5, 5]);
  conv.dispose();
  bn.dispose();
  return y;
}
const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

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

// Constructors of the layers that take no arguments, and every method of a layer.
const SIMPLE = ['ReLU', 'GELU', 'SiLU', 'Sigmoid', 'GlobalAvgPool2D', 'Flatten'];
const disposed = (make) => {
  const o = make();
  o.dispose();
  return o;
};

const cases = () => {
  const x8 = randomArray(2 * 8 * 4 * 4, 1);
  const model = () => nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
  const trainer = (config) => nl.createTrainer(model(), data.train, config);
  const bn = () => new nl.BatchNorm2D(8);
  const forwarded = (layer, x, shape) => (layer.forward(x, shape), layer);
  const table = [
    // ---- BatchNorm2D: constructor, options, every method ----
    ['BatchNorm2D with 0 channels', () => new nl.BatchNorm2D(0), RangeError, /BatchNorm2D channels must be an integer in 1\.\.1048576, got number 0/],
    ['BatchNorm2D with -3 channels', () => new nl.BatchNorm2D(-3), RangeError, /channels.*got number -3/],
    ['BatchNorm2D with 2.5 channels', () => new nl.BatchNorm2D(2.5), RangeError, /integer.*2\.5/],
    ['BatchNorm2D with NaN channels', () => new nl.BatchNorm2D(NaN), RangeError, /channels.*NaN/],
    ['BatchNorm2D with Infinity channels', () => new nl.BatchNorm2D(Infinity), RangeError, /channels.*Infinity/],
    ['BatchNorm2D with a huge channel count', () => new nl.BatchNorm2D(1e12), RangeError, /channels/],
    ['BatchNorm2D with string channels', () => new nl.BatchNorm2D('8'), RangeError, /string "8"/],
    ['BatchNorm2D without arguments', () => new nl.BatchNorm2D(), RangeError, /channels.*undefined/],
    ['BatchNorm2D momentum NaN', () => new nl.BatchNorm2D(4, { momentum: NaN }), RangeError, /momentum/],
    ['BatchNorm2D momentum 2', () => new nl.BatchNorm2D(4, { momentum: 2 }), RangeError, /momentum/],
    ['BatchNorm2D momentum negative', () => new nl.BatchNorm2D(4, { momentum: -0.1 }), RangeError, /momentum/],
    ['BatchNorm2D momentum a string', () => new nl.BatchNorm2D(4, { momentum: '0.1' }), RangeError, /momentum must be a number/],
    ['BatchNorm2D eps 0', () => new nl.BatchNorm2D(4, { eps: 0 }), RangeError, /eps/],
    ['BatchNorm2D eps negative', () => new nl.BatchNorm2D(4, { eps: -1 }), RangeError, /eps/],
    ['BatchNorm2D eps NaN', () => new nl.BatchNorm2D(4, { eps: NaN }), RangeError, /eps/],
    ['BatchNorm2D options not an object', () => new nl.BatchNorm2D(4, 3), TypeError, /options object/],
    ['BatchNorm2D options an array', () => new nl.BatchNorm2D(4, [1]), TypeError, /options object.*array/],
    ['BatchNorm2D options null', () => new nl.BatchNorm2D(4, null), TypeError, /options object, got null/],
    ['BatchNorm2D unknown option', () => new nl.BatchNorm2D(4, { momentun: 0.1 }), RangeError, /unknown option "momentun"/],
    ['BatchNorm2D affine not boolean', () => new nl.BatchNorm2D(4, { affine: 'yes' }), RangeError, /affine/],
    ['BatchNorm2D runningVar unknown', () => new nl.BatchNorm2D(4, { runningVar: 'weird' }), RangeError, /runningVar must be one of "unbiased", "biased".*weird/],
    ['BN forward with wrong channel count', () => new nl.BatchNorm2D(4).forward(x8, [2, 8, 4, 4]), RangeError, /8 channels.*expected 4|expected 4.*8/],
    ['BN forward with too short an array', () => bn().forward(x8.subarray(1), [2, 8, 4, 4]), RangeError, /255 values, expected 256/],
    ['BN forward with too long an array', () => bn().forward(new Float32Array(257), [2, 8, 4, 4]), RangeError, /257 values, expected 256/],
    ['BN forward with a plain array', () => bn().forward([1, 2, 3], [1, 3]), TypeError, /x must be a Float32Array, got an array of length 3/],
    ['BN forward with a Float64Array', () => bn().forward(new Float64Array(256), [2, 8, 4, 4]), TypeError, /Float64Array/],
    ['BN forward with an Int32Array', () => bn().forward(new Int32Array(256), [2, 8, 4, 4]), TypeError, /Int32Array/],
    ['BN forward with null', () => bn().forward(null, [2, 8, 4, 4]), TypeError, /Float32Array, got null/],
    ['BN forward without arguments', () => bn().forward(), TypeError, /Float32Array, got undefined/],
    ['BN forward with a string shape', () => bn().forward(x8, '2,8,4,4'), RangeError, /shape must be an array/],
    ['BN forward with a 3-entry shape', () => bn().forward(x8, [2, 8, 16]), RangeError, /\[n, c, h, w\]/],
    ['BN forward with a zero in the shape', () => bn().forward(x8, [0, 8, 4, 4]), RangeError, /shape\[0\]/],
    ['BN forward with a negative shape entry', () => bn().forward(x8, [2, 8, -4, -4]), RangeError, /shape\[2\]/],
    ['BN forward with a NaN shape entry', () => bn().forward(x8, [2, 8, NaN, 4]), RangeError, /shape\[2\]/],
    ['BN forward with a fractional shape entry', () => bn().forward(x8, [2, 8, 4, 4.5]), RangeError, /shape\[3\].*4\.5/],
    ['BN forward with a string shape entry', () => bn().forward(x8, [2, '8', 4, 4]), RangeError, /shape\[1\].*string/],
    ['BN forward with a huge shape entry', () => bn().forward(x8, [2, 8, 4, 2 ** 25]), RangeError, /shape\[3\]/],
    ['BN forward with more than 2^28 values', () => new nl.BatchNorm2D(1 << 12).forward(x8, [1 << 12, 1 << 12, 1 << 12, 1]), RangeError, /more than the limit of 2\^28/],
    ['BN train forward with one value per channel', () => new nl.BatchNorm2D(3).forward(new Float32Array(3), [1, 3, 1, 1]), RangeError, /more than 1 value|one value|1 value/i],
    ['BN forward training not boolean', () => bn().forward(x8, [2, 8, 4, 4], { training: 1 }), TypeError, /training/],
    ['BN forward options not an object', () => bn().forward(x8, [2, 8, 4, 4], 'train'), TypeError, /options object/],
    ['BN backward before forward', () => bn().backward(x8), RangeError, /forward/],
    ['BN backward with wrong dy length', () => forwarded(bn(), x8, [2, 8, 4, 4]).backward(new Float32Array(10)), RangeError, /10 values, expected 256/],
    ['BN backward with a plain array', () => forwarded(bn(), x8, [2, 8, 4, 4]).backward([1, 2]), TypeError, /dy must be a Float32Array/],
    ['BN outputShape with a bad shape', () => bn().outputShape([2, 8, 0, 4]), RangeError, /shape\[2\]/],
    ['BN outputShape with other channels', () => bn().outputShape([2, 3, 4, 4]), RangeError, /3 channels|expected 8/],
    ['BN setParameters unknown name', () => new nl.BatchNorm2D(2).setParameters({ weight: new Float32Array(2) }), RangeError, /unknown parameter "weight"/],
    ['BN setParameters wrong length', () => new nl.BatchNorm2D(2).setParameters({ gamma: new Float32Array(3) }), RangeError, /gamma has 3 values, expected 2/],
    ['BN setParameters not Float32Array', () => new nl.BatchNorm2D(2).setParameters({ gamma: [1, 2] }), RangeError, /gamma must be a Float32Array/],
    ['BN setParameters a number', () => new nl.BatchNorm2D(2).setParameters({ gamma: 1 }), RangeError, /gamma must be a Float32Array/],
    ['BN setParameters null', () => new nl.BatchNorm2D(2).setParameters(null), TypeError, /values must be an options object, got null/],
    ['BN setParameters an array', () => new nl.BatchNorm2D(2).setParameters([new Float32Array(2)]), TypeError, /values must be an options object, got an array/],
    ['BN forward after dispose', () => disposed(() => new nl.BatchNorm2D(2)).forward(x8, [2, 8, 4, 4]), Error, /batch_norm2d: this object was disposed/],
    ['BN backward after dispose', () => disposed(() => new nl.BatchNorm2D(2)).backward(x8), Error, /disposed/],
    ['BN outputShape after dispose', () => disposed(() => new nl.BatchNorm2D(2)).outputShape([1, 2, 2, 2]), Error, /disposed/],
    ['BN getParameters after dispose', () => disposed(() => new nl.BatchNorm2D(2)).getParameters(), Error, /disposed/],
    ['BN setParameters after dispose', () => disposed(() => new nl.BatchNorm2D(2)).setParameters({}), Error, /disposed/],
    ['BN getGradients after dispose', () => disposed(() => new nl.BatchNorm2D(2)).getGradients(), Error, /disposed/],
    ['BN zeroGrad after dispose', () => disposed(() => new nl.BatchNorm2D(2)).zeroGrad(), Error, /disposed/],
    ['runningMean after dispose', () => disposed(() => new nl.BatchNorm2D(2)).runningMean, Error, /disposed/],
    ['runningVar after dispose', () => disposed(() => new nl.BatchNorm2D(2)).runningVar, Error, /disposed/],

    // ---- the other layer constructors ----
    ['LayerNorm2D with 0 channels', () => new nl.LayerNorm2D(0), RangeError, /LayerNorm2D channels/],
    ['LayerNorm2D unknown over', () => new nl.LayerNorm2D(4, { over: 'pixels' }), RangeError, /"channels", "sample".*pixels/],
    ['LayerNorm2D sample without height', () => new nl.LayerNorm2D(4, { over: 'sample' }), RangeError, /height/],
    ['LayerNorm2D sample with height 0', () => new nl.LayerNorm2D(4, { over: 'sample', height: 0, width: 2 }), RangeError, /height.*got number 0/],
    ['LayerNorm2D sample with a string width', () => new nl.LayerNorm2D(4, { over: 'sample', height: 2, width: '2' }), RangeError, /width.*string "2"/],
    ['LayerNorm2D eps negative', () => new nl.LayerNorm2D(4, { eps: -1 }), RangeError, /eps must be positive and finite, got -1/],
    ['LayerNorm2D eps NaN', () => new nl.LayerNorm2D(4, { eps: NaN }), RangeError, /eps/],
    ['LayerNorm2D unknown option', () => new nl.LayerNorm2D(4, { overr: 'sample' }), RangeError, /unknown option "overr"/],
    ['LayerNorm2D sample over 2^36 values', () => new nl.LayerNorm2D(1 << 12, { over: 'sample', height: 1 << 12, width: 1 << 12 }), RangeError, /layer_norm2d_sample over \(4096,4096,4096\) needs about 1\.00 TB/],
    ['LayerNorm2D sample forward with other spatial size', () => new nl.LayerNorm2D(8, { over: 'sample', height: 3, width: 3 }).forward(x8, [2, 8, 4, 4]), RangeError, /3|4/],
    ['GroupNorm2D groups not dividing channels', () => new nl.GroupNorm2D(3, 8), RangeError, /divide|divisible/],
    ['GroupNorm2D zero groups', () => new nl.GroupNorm2D(0, 8), RangeError, /GroupNorm2D groups/],
    ['GroupNorm2D zero channels', () => new nl.GroupNorm2D(1, 0), RangeError, /GroupNorm2D channels/],
    ['GroupNorm2D eps 0', () => new nl.GroupNorm2D(2, 4, { eps: 0 }), RangeError, /eps/],
    ['GroupNorm2D affine a string', () => new nl.GroupNorm2D(2, 4, { affine: 'no' }), RangeError, /affine must be true or false/],
    ['GroupNorm2D unknown option', () => new nl.GroupNorm2D(2, 4, { groups: 2 }), RangeError, /unknown option "groups"/],
    ['InstanceNorm2D with 0 channels', () => new nl.InstanceNorm2D(0), RangeError, /InstanceNorm2D channels/],
    ['InstanceNorm2D with string channels', () => new nl.InstanceNorm2D('4'), RangeError, /InstanceNorm2D channels.*string/],
    ['InstanceNorm2D forward with other channels', () => new nl.InstanceNorm2D(2).forward(x8, [2, 8, 4, 4]), RangeError, /8 channels|expected 2|channels/],
    ['Conv2D zero kernel', () => new nl.Conv2D(1, 2, 0), RangeError, /kernelSize/],
    ['Conv2D NaN in channels', () => new nl.Conv2D(NaN, 2, 3), RangeError, /Conv2D inChannels.*NaN/],
    ['Conv2D negative out channels', () => new nl.Conv2D(1, -2, 3), RangeError, /Conv2D outChannels/],
    ['Conv2D string kernel', () => new nl.Conv2D(1, 2, '3'), RangeError, /kernelSize.*string "3"/],
    ['Conv2D groups not dividing', () => new nl.Conv2D(3, 4, 3, { groups: 2 }), RangeError, /groups/],
    ['Conv2D zero groups', () => new nl.Conv2D(2, 2, 3, { groups: 0 }), RangeError, /groups must be positive, got 0/],
    ['Conv2D negative padding', () => new nl.Conv2D(1, 2, 3, { padding: -1 }), RangeError, /pad/],
    ['Conv2D fractional padding', () => new nl.Conv2D(1, 2, 3, { padding: 0.5 }), RangeError, /padding must be an integer/],
    ['Conv2D zero stride', () => new nl.Conv2D(1, 2, 3, { stride: 0 }), RangeError, /stride/],
    ['Conv2D string stride', () => new nl.Conv2D(1, 2, 3, { stride: '2' }), RangeError, /stride must be a number/],
    ['Conv2D bias a number', () => new nl.Conv2D(1, 2, 3, { bias: 1 }), RangeError, /bias must be true or false/],
    ['Conv2D a misspelt option', () => new nl.Conv2D(1, 2, 3, { pad: 1 }), RangeError, /unknown option "pad" \(known: stride, padding, groups, bias, seed\)/],
    ['Conv2D negative seed', () => new nl.Conv2D(1, 2, 3, { seed: -1 }), RangeError, /seed must be a non-negative integer, got -1/],
    ['Conv2D NaN seed', () => new nl.Conv2D(1, 2, 3, { seed: NaN }), RangeError, /seed/],
    ['Conv2D seed past 2^53', () => new nl.Conv2D(1, 2, 3, { seed: 1e30 }), RangeError, /seed/],
    ['Conv2D with 2^42 parameters', () => new nl.Conv2D(1 << 20, 1 << 20, 3), RangeError, /conv2d 1048576→1048576 with a 3×3 kernel needs about 72\.0 TB/],
    ['Conv2D kernel larger than input', () => new nl.Conv2D(8, 2, 7).forward(x8, [2, 8, 4, 4]), RangeError, /kernel|larger|input/],
    ['Conv2D input channel mismatch', () => new nl.Conv2D(3, 2, 3).forward(x8, [2, 8, 4, 4]), RangeError, /channels/],
    ['Dense feature mismatch', () => new nl.Dense(10, 2).forward(x8, [2, 8, 4, 4]), RangeError, /128|10/],
    ['Dense with 0 inputs', () => new nl.Dense(0, 2), RangeError, /Dense inFeatures/],
    ['Dense with string outputs', () => new nl.Dense(2, 'x'), RangeError, /Dense outFeatures.*string "x"/],
    ['Dense bias a string', () => new nl.Dense(2, 2, { bias: 'no' }), RangeError, /bias must be true or false/],
    ['Dense a misspelt option', () => new nl.Dense(2, 2, { bais: false }), RangeError, /unknown option "bais"/],
    ['Dense with 2^40 weights', () => new nl.Dense(1 << 20, 1 << 20), RangeError, /dense 1048576→1048576 needs about 8\.00 TB/],
    ['Dropout p = 1', () => new nl.Dropout(1), RangeError, /p/],
    ['Dropout p negative', () => new nl.Dropout(-0.1), RangeError, /Dropout p/],
    ['Dropout p NaN', () => new nl.Dropout(NaN), RangeError, /Dropout p.*NaN/],
    ['Dropout p a string', () => new nl.Dropout('0.5'), RangeError, /Dropout p.*string/],
    ['Dropout negative seed', () => new nl.Dropout(0.5, { seed: -1 }), RangeError, /seed must be a non-negative integer/],
    ['Dropout unknown option', () => new nl.Dropout(0.5, { p: 0.1 }), RangeError, /unknown option "p"/],
    ['LeakyReLU slope NaN', () => new nl.LeakyReLU(NaN), RangeError, /slope/],
    ['LeakyReLU slope Infinity', () => new nl.LeakyReLU(Infinity), RangeError, /slope must be finite/],
    ['LeakyReLU slope a string', () => new nl.LeakyReLU('0.1'), RangeError, /slope.*string/],
    ['MaxPool2D zero kernel', () => new nl.MaxPool2D(0), RangeError, /kernelSize/],
    ['MaxPool2D fractional kernel', () => new nl.MaxPool2D(2.5), RangeError, /kernelSize.*2\.5/],
    ['MaxPool2D negative stride', () => new nl.MaxPool2D(2, { stride: -1 }), RangeError, /stride must be non-negative/],
    ['MaxPool2D padding over half the kernel', () => new nl.MaxPool2D(2, { padding: 5 }), RangeError, /pad must be at most kernel\/2/],
    ['MaxPool2D a misspelt option', () => new nl.MaxPool2D(2, { pad: 1 }), RangeError, /unknown option "pad"/],
    ['MaxPool2D options a string', () => new nl.MaxPool2D(2, 'same'), TypeError, /MaxPool2D options must be an options object/],
    ['MaxPool2D window larger than input', () => new nl.MaxPool2D(5).forward(x8, [2, 8, 4, 4]), RangeError, /window|kernel|larger/],
    ['AvgPool2D zero kernel', () => new nl.AvgPool2D(0), RangeError, /AvgPool2D kernelSize/],
    ['AvgPool2D fractional padding', () => new nl.AvgPool2D(2, { padding: 1.5 }), RangeError, /padding must be an integer/],
    ['AvgPool2D string stride', () => new nl.AvgPool2D(2, { stride: 'x' }), RangeError, /stride must be a number/],
    ...SIMPLE.flatMap((name) => [
      [`${name} forward with too short an array`, () => new nl[name]().forward(x8.subarray(2), [2, 8, 4, 4]), RangeError, /254 values, expected 256/],
      [`${name} forward with a Uint8Array`, () => new nl[name]().forward(new Uint8Array(256), [2, 8, 4, 4]), TypeError, /Float32Array, got a Uint8Array/],
      [`${name} forward with a NaN shape`, () => new nl[name]().forward(x8, [2, NaN, 4, 4]), RangeError, /shape\[1\]/],
      [`${name} forward with training a number`, () => new nl[name]().forward(x8, [2, 8, 4, 4], { training: 0 }), TypeError, /training must be true or false/],
      [`${name} backward before forward`, () => new nl[name]().backward(x8), RangeError, /forward/],
      [`${name} backward with the wrong length`, () => forwarded(new nl[name](), x8, [2, 8, 4, 4]).backward(new Float32Array(7)), RangeError, /7 values, expected/],
      [`${name} outputShape with 5 entries`, () => new nl[name]().outputShape([1, 2, 3, 4, 5]), RangeError, /\[n, c, h, w\]/],
      [`${name} setParameters of a parameter it lacks`, () => new nl[name]().setParameters({ weight: new Float32Array(1) }), RangeError, /unknown parameter "weight"/],
      [`${name} forward after dispose`, () => disposed(() => new nl[name]()).forward(x8, [2, 8, 4, 4]), Error, /this object was disposed/],
    ]),

    // ---- createModel, loadModel, estimateMemory ----
    ['createModel unknown preset', () => nl.createModel({ preset: 'resnet9000' }), RangeError, /resnet9000.*tiny|tiny.*resnet9000/s],
    ['createModel unknown norm', () => nl.createModel({ preset: 'tiny', norm: 'batchy' }), RangeError, /batchy/],
    ['createModel group not dividing', () => nl.createModel({ preset: 'tiny', norm: 'group:3' }), RangeError, /group|divide/],
    ['createModel group:0', () => nl.createModel({ norm: 'group:0' }), RangeError, /group count/],
    ['createModel group:x', () => nl.createModel({ norm: 'group:x' }), RangeError, /group count 'x'/],
    ['createModel instance norm after a dense layer', () => nl.createModel({ preset: 'mlp', norm: 'instance' }), RangeError, /instance/],
    ['createModel negative seed', () => nl.createModel({ seed: -1 }), RangeError, /seed/],
    ['createModel fractional seed', () => nl.createModel({ seed: 1.5 }), RangeError, /seed/],
    ['createModel seed 2^53', () => nl.createModel({ seed: 2 ** 53 }), RangeError, /seed must be an integer in 0\.\.9007199254740991/],
    ['createModel seed a string', () => nl.createModel({ seed: '1' }), RangeError, /seed.*string "1"/],
    ['createModel preset not a string', () => nl.createModel({ preset: 5 }), TypeError, /preset must be a string, got number 5/],
    ['createModel norm null', () => nl.createModel({ norm: null }), TypeError, /norm must be a string, got null/],
    ['createModel options a string', () => nl.createModel('tiny'), TypeError, /createModel options must be an options object/],
    ['createModel a misspelt option', () => nl.createModel({ presett: 'tiny' }), RangeError, /unknown option "presett" \(known: preset, norm, seed\)/],
    ['createModel bad BN momentum in the spec', () => nl.createModel({ norm: 'batch,momentum=7' }), RangeError, /momentum/],
    ['createModel negative eps in the spec', () => nl.createModel({ norm: 'batch,eps=-1' }), RangeError, /eps/],
    ['createModel an option given twice in the spec', () => nl.createModel({ norm: 'batch,eps=1,eps=2' }), RangeError, /given twice/],
    ['loadModel empty', () => nl.loadModel(new Uint8Array(0)), Error, /short|truncated|empty|magic/i],
    ['loadModel garbage', () => nl.loadModel(new Uint8Array(64).fill(7)), Error, /magic|NLAB/],
    ['loadModel truncated', () => { const b = model().save(); nl.loadModel(b.subarray(0, b.length - 9)); }, Error, /truncat|short|checksum|bytes/i],
    ['loadModel corrupted byte', () => { const b = model().save().slice(); b[b.length - 100] ^= 0xff; nl.loadModel(b); }, Error, /checksum|crc/i],
    ['loadModel trailing bytes', () => { const b = model().save(); nl.loadModel(new Uint8Array([...b, 0])); }, Error, /unexpected bytes|checksum/],
    ['loadModel a trainer checkpoint', () => nl.loadModel(checkpoint), Error, /bad magic.*4e 4c 43 4b.*not a normlab model file/],
    ['loadModel a string', () => nl.loadModel('model'), TypeError, /Uint8Array/],
    ['loadModel a Float32Array', () => nl.loadModel(new Float32Array(4)), TypeError, /Uint8Array or ArrayBuffer, got a Float32Array/],
    ['loadModel null', () => nl.loadModel(null), TypeError, /got null/],
    ['estimateMemory unknown preset', () => nl.estimateMemory({ preset: 'nope' }), RangeError, /unknown preset 'nope'/],
    ['estimateMemory a misspelt option', () => nl.estimateMemory({ batchsize: 8 }), RangeError, /unknown option "batchsize"/],
    ['estimateMemory batch size 0', () => nl.estimateMemory({ batchSize: 0 }), RangeError, /batch/],
    ['estimateMemory batch size a string', () => nl.estimateMemory({ batchSize: '8' }), RangeError, /batchSize must be a number/],
    ['estimateMemory norm a number', () => nl.estimateMemory({ norm: 1 }), TypeError, /norm must be a string/],
    ['estimateMemory options null', () => nl.estimateMemory(null), TypeError, /options object, got null/],

    // ---- Model methods ----
    ['Model.forward wrong length', () => model().forward(new Float32Array(100), 1), RangeError, /100 values, expected 784/],
    ['Model.forward batch 0', () => model().forward(new Float32Array(0), 0), RangeError, /n must be an integer/],
    ['Model.forward fractional batch', () => model().forward(new Float32Array(784), 1.5), RangeError, /n must be an integer.*1\.5/],
    ['Model.forward batch over 65536', () => model().forward(new Float32Array(784), 65537), RangeError, /n must be an integer in 1\.\.65536/],
    ['Model.forward NaN batch', () => model().forward(new Float32Array(784), NaN), RangeError, /n must be an integer.*NaN/],
    ['Model.forward x a plain array', () => model().forward(new Array(784).fill(0), 1), TypeError, /x must be a Float32Array/],
    ['Model.forward training a string', () => model().forward(new Float32Array(784), 1, { training: 'yes' }), TypeError, /training must be true or false/],
    ['Model.forward a misspelt option', () => model().forward(new Float32Array(784), 1, { train: true }), RangeError, /unknown option "train"/],
    ['Model.setParameters unknown name', () => model().setParameters({ nope: new Float32Array(1) }), RangeError, /unknown parameter "nope"/],
    ['Model.setParameters wrong length', () => model().setParameters({ '0.bias': new Float32Array(3) }), RangeError, /0\.bias has 3 values, expected 8/],
    ['Model.setParameters null', () => model().setParameters(null), TypeError, /options object/],
    ['Model.estimateMemory a misspelt option', () => model().estimateMemory({ batch: 8 }), RangeError, /unknown option "batch"/],
    ['Model.estimateMemory unknown optimizer', () => model().estimateMemory({ optimizer: 'lion' }), RangeError, /lion|optimizer/],
    ['Model.forward after dispose', () => disposed(model).forward(new Float32Array(784), 1), Error, /Model: this object was disposed/],
    ['Model.save after dispose', () => disposed(model).save(), Error, /disposed/],
    ['Model.getParameters after dispose', () => disposed(model).getParameters(), Error, /disposed/],
    ['Model.setParameters after dispose', () => disposed(model).setParameters({}), Error, /disposed/],
    ['Model.getBuffers after dispose', () => disposed(model).getBuffers(), Error, /disposed/],
    ['Model.estimateMemory after dispose', () => disposed(model).estimateMemory({}), Error, /disposed/],

    // ---- Dataset methods ----
    ['Dataset.slice NaN first', () => data.test.slice(NaN, 2), RangeError, /slice first.*NaN/],
    ['Dataset.slice negative first', () => data.test.slice(-1, 2), RangeError, /slice first/],
    ['Dataset.slice zero count', () => data.test.slice(0, 0), RangeError, /slice count/],
    ['Dataset.slice past the end', () => data.test.slice(1999, 2), RangeError, /slice count must be an integer in 1\.\.1, got number 2/],
    ['Dataset.slice a string first', () => data.test.slice('0', 1), RangeError, /slice first.*string/],
    ['Dataset.images after dispose', () => disposed(() => data.test.slice(0, 2)).images(), Error, /Dataset: this object was disposed/],
    ['Dataset.labels after dispose', () => disposed(() => data.test.slice(0, 2)).labels(), Error, /disposed/],
    ['Dataset.slice after dispose', () => disposed(() => data.test.slice(0, 2)).slice(0, 1), Error, /disposed/],

    // ---- createTrainer: arguments and every config field ----
    ['createTrainer unknown optimizer', () => trainer({ optimizer: 'rmsprop' }), RangeError, /rmsprop/],
    ['createTrainer lr NaN', () => trainer({ lr: NaN }), RangeError, /lr|learning rate/],
    ['createTrainer negative lr', () => trainer({ lr: -1 }), RangeError, /lr|learning rate/],
    ['createTrainer infinite lr', () => trainer({ lr: Infinity }), RangeError, /lr = inf/],
    ['createTrainer lr a string', () => trainer({ lr: '0.1' }), RangeError, /lr must be a number/],
    ['createTrainer batch size 0', () => trainer({ batchSize: 0 }), RangeError, /batch/],
    ['createTrainer fractional batch size', () => trainer({ batchSize: 1.5 }), RangeError, /batchSize must be an integer/],
    ['createTrainer huge batch size', () => trainer({ batchSize: 1e12 }), RangeError, /batchSize must be an integer/],
    ['createTrainer momentum 1.5', () => trainer({ momentum: 1.5 }), RangeError, /momentum/],
    ['createTrainer negative momentum', () => trainer({ momentum: -0.1 }), RangeError, /momentum/],
    ['createTrainer nesterov without momentum', () => trainer({ nesterov: true, momentum: 0 }), RangeError, /nesterov needs momentum > 0/],
    ['createTrainer nesterov a number', () => trainer({ nesterov: 1 }), RangeError, /nesterov must be true or false/],
    ['createTrainer negative weight decay', () => trainer({ weightDecay: -1 }), RangeError, /weight_decay/],
    ['createTrainer beta1 = 1', () => trainer({ optimizer: 'adam', beta1: 1 }), RangeError, /beta1 = 1/],
    ['createTrainer beta2 negative', () => trainer({ optimizer: 'adam', beta2: -1 }), RangeError, /beta2/],
    ['createTrainer unknown schedule', () => trainer({ schedule: 'warp' }), RangeError, /warp/],
    ['createTrainer negative warm-up', () => trainer({ warmupSteps: -1 }), RangeError, /warmup_steps = -1/],
    ['createTrainer step schedule of step 0', () => trainer({ schedule: 'step', stepSize: 0 }), RangeError, /step_size = 0/],
    ['createTrainer step schedule gamma NaN', () => trainer({ schedule: 'step', gamma: NaN }), RangeError, /gamma/],
    ['createTrainer cosine of negative length', () => trainer({ schedule: 'cosine', totalSteps: -5 }), RangeError, /total_steps = -5/],
    ['createTrainer totalSteps past 2^30', () => trainer({ schedule: 'cosine', totalSteps: 1e10 }), RangeError, /totalSteps must be an integer/],
    ['createTrainer negative seed', () => trainer({ seed: -1 }), RangeError, /seed/],
    ['createTrainer fractional seed', () => trainer({ seed: 0.5 }), RangeError, /seed/],
    ['createTrainer clipNorm negative', () => trainer({ clipNorm: -1 }), RangeError, /clip_norm/],
    ['createTrainer label smoothing 1', () => trainer({ labelSmoothing: 1 }), RangeError, /label_smoothing/],
    ['createTrainer augment a string', () => trainer({ augment: 'yes' }), RangeError, /augment must be true or false/],
    ['createTrainer zero epochs', () => trainer({ epochs: 0 }), RangeError, /epochs = 0/],
    ['createTrainer negative probeEvery', () => trainer({ probeEvery: -1 }), RangeError, /probe_every/],
    ['createTrainer zero probe capacity', () => trainer({ probeEvery: 1, probeCapacity: 0 }), RangeError, /capacity/],
    ['createTrainer a billion kept probes', () => trainer({ probeEvery: 1, probeCapacity: 1e9 }), RangeError, /needs about .*probes/],
    ['createTrainer zero eval batch', () => trainer({ evalBatchSize: 0 }), RangeError, /eval_batch_size = 0/],
    ['createTrainer a misspelt option', () => trainer({ learningRate: 0.1 }), RangeError, /unknown option "learningRate"/],
    ['createTrainer config a string', () => trainer('fast'), TypeError, /createTrainer config must be an options object/],
    ['createTrainer model not a Model', () => nl.createTrainer({}, data.train), TypeError, /model must be a Model/],
    ['createTrainer model a preset name', () => nl.createTrainer('tiny', data.train), TypeError, /model must be a Model.*string "tiny"/],
    ['createTrainer data not a Dataset', () => nl.createTrainer(model(), [1, 2]), TypeError, /data must be a Dataset/],
    ['createTrainer data null', () => nl.createTrainer(model(), null), TypeError, /data must be a Dataset, got null/],
    ['createTrainer images of another size', () => nl.createTrainer(model(), wide), RangeError, /dataset images are 1×32×32, the model expects 1×28×28/],
    ['createTrainer disposed model', () => nl.createTrainer(disposed(model), data.train), Error, /Model: this object was disposed/],
    ['createTrainer disposed data', () => nl.createTrainer(model(), disposed(() => data.test.slice(0, 4))), Error, /Dataset: this object was disposed/],

    // ---- Trainer methods ----
    ['steps(0)', () => trainer({}).steps(0), RangeError, /count/],
    ['steps(1.5)', () => trainer({}).steps(1.5), RangeError, /count must be an integer.*1\.5/],
    ['steps over 100000', () => trainer({}).steps(100001), RangeError, /count must be an integer in 1\.\.100000/],
    ['steps a string', () => trainer({}).steps('5'), RangeError, /count.*string "5"/],
    ['fit options a number', () => trainer({}).fit(3), TypeError, /Trainer\.fit options must be an options object/],
    ['fit a misspelt option', () => trainer({}).fit({ epoch: 1 }), RangeError, /unknown option "epoch"/],
    ['fit zero steps', () => trainer({}).fit({ steps: 0 }), RangeError, /steps must be an integer/],
    ['fit NaN epochs', () => trainer({}).fit({ epochs: NaN }), RangeError, /epochs.*NaN/],
    ['fit onStep not a function', () => trainer({}).fit({ steps: 1, onStep: 5 }), TypeError, /onStep must be a function, got number 5/],
    ['fit test not a Dataset', () => trainer({}).fit({ steps: 1, test: [] }), TypeError, /test must be a Dataset/],
    ['evaluate data not a Dataset', () => trainer({}).evaluate({}), TypeError, /evaluate: data must be a Dataset/],
    ['evaluate training a string', () => trainer({}).evaluate(data.test, { training: 'yes' }), TypeError, /training must be true or false/],
    ['evaluate batch size 0', () => trainer({}).evaluate(data.test, { batchSize: 0 }), RangeError, /batchSize/],
    ['evaluate a misspelt option', () => trainer({}).evaluate(data.test, { batch: 10 }), RangeError, /unknown option "batch"/],
    ['evaluate images of another size', () => trainer({}).evaluate(wide), RangeError, /evaluate: dataset images are 1×32×32/],
    ['evaluate disposed data', () => trainer({}).evaluate(disposed(() => data.test.slice(0, 4))), Error, /disposed/],
    ['setLearningRate(-1)', () => trainer({}).setLearningRate(-1), RangeError, /lr/],
    ['setLearningRate(NaN)', () => trainer({}).setLearningRate(NaN), RangeError, /lr.*NaN/],
    ['setLearningRate(Infinity)', () => trainer({}).setLearningRate(Infinity), RangeError, /finite/],
    ['setLearningRate a string', () => trainer({}).setLearningRate('0.1'), RangeError, /lr.*string/],
    ['probes(NaN)', () => trainer({}).probes(NaN), RangeError, /sinceStep.*NaN/],
    ['probes(-1)', () => trainer({}).probes(-1), RangeError, /sinceStep/],
    ['populationStats data not a Dataset', () => trainer({}).populationStats(null), TypeError, /data must be a Dataset/],
    ['populationStats batch of 1', () => trainer({}).populationStats(data.test, { batchSize: 1 }), RangeError, /batchSize/],
    ['populationStats batch larger than the data', () => trainer({}).populationStats(data.test.slice(0, 10), { batchSize: 64 }), RangeError, /fewer than one batch/],
    ['Trainer.step after dispose', () => disposed(() => trainer({})).step(), Error, /Trainer: this object was disposed/],
    ['Trainer.evaluate after dispose', () => disposed(() => trainer({})).evaluate(data.test), Error, /disposed/],
    ['Trainer.state after dispose', () => disposed(() => trainer({})).state, Error, /disposed/],
    ['Trainer.save after dispose', () => disposed(() => trainer({})).save(), Error, /disposed/],
    ['Trainer.probes after dispose', () => disposed(() => trainer({})).probes(), Error, /disposed/],
    ['Trainer.setLearningRate after dispose', () => disposed(() => trainer({})).setLearningRate(0.1), Error, /disposed/],

    // ---- resumeTrainer ----
    ['resumeTrainer not bytes', () => nl.resumeTrainer('checkpoint', data.train), TypeError, /resumeTrainer: bytes must be a Uint8Array/],
    ['resumeTrainer garbage', () => nl.resumeTrainer(new Uint8Array(64).fill(3), data.train), Error, /checkpoint: bad magic/],
    ['resumeTrainer a model file', () => nl.resumeTrainer(modelFile, data.train), Error, /checkpoint: this is a model file \('NLAB'\), not a trainer checkpoint/],
    ['resumeTrainer truncated', () => nl.resumeTrainer(checkpoint.subarray(0, checkpoint.length - 1), data.train), Error, /checkpoint: truncated: the header says \d+ bytes, only \d+ are here/],
    ['resumeTrainer a flipped bit', () => { const b = checkpoint.slice(); b[b.length >> 1] ^= 4; nl.resumeTrainer(b, data.train); }, Error, /checkpoint: checksum mismatch/],
    ['resumeTrainer another dataset', () => nl.resumeTrainer(checkpoint, data.test), RangeError, /it was trained on 8000 samples.*this dataset has 2000 samples.*same training data/],
    ['resumeTrainer data not a Dataset', () => nl.resumeTrainer(checkpoint, {}), TypeError, /resumeTrainer: data must be a Dataset/],
    ['resumeTrainer disposed data', () => nl.resumeTrainer(checkpoint, disposed(() => data.test.slice(0, 4))), Error, /disposed/],
  ];
  return table;
};

const asyncCases = () => [
  ['loadEngine options null', () => loadEngine(null), TypeError, /loadEngine: options must be an object, got null/],
  ['loadEngine options a number', () => loadEngine(5), TypeError, /options must be an object, got number/],
  ['loadEngine simd a string', () => loadEngine({ simd: 'yes' }), TypeError, /simd must be true or false, got string/],
  ['loadEngine simd a number', () => loadEngine({ simd: 1 }), TypeError, /simd must be true or false/],
  ['fromIDX bad magic', () => nl.datasets.fromIDX(bytes(0, 0, 9, 9, 0, 0, 0, 0), idxLabels(1)), Error, /magic/],
  ['fromIDX labels with an images magic', () => nl.datasets.fromIDX(idxImages(1, 28, 28), idxImages(1, 28, 28)), Error, /labels file has magic 0x00000803, expected 0x00000801/],
  ['fromIDX truncated images', () => nl.datasets.fromIDX(idxImages(3, 28, 28).subarray(0, 100), idxLabels(3)), Error, /bytes|short|holds/],
  ['fromIDX truncated labels', () => nl.datasets.fromIDX(idxImages(3, 28, 28), idxLabels(3).subarray(0, 9)), Error, /labels file declares 3 bytes but holds 1/],
  ['fromIDX image/label count mismatch', () => nl.datasets.fromIDX(idxImages(3, 28, 28), idxLabels(4)), Error, /3.*4|4.*3/],
  ['fromIDX label out of range', () => nl.datasets.fromIDX(idxImages(2, 28, 28), idxLabels(2, 42)), Error, /label/],
  ['fromIDX trailing bytes', () => nl.datasets.fromIDX(idxImages(1, 28, 28, 5), idxLabels(1)), Error, /bytes|holds/],
  ['fromIDX header only', () => nl.datasets.fromIDX(bytes(0, 0, 8), idxLabels(1)), Error, /short|header/],
  ['fromIDX no samples', () => nl.datasets.fromIDX(idxImages(0, 28, 28), idxLabels(0)), Error, /no samples/],
  ['fromIDX a claimed 2^31 images', () => { const b = idxImages(1, 28, 28); new DataView(b.buffer).setUint32(4, 2 ** 31); return nl.datasets.fromIDX(b, idxLabels(1)); }, Error, /exceeds|declares/],
  ['fromIDX not bytes', () => nl.datasets.fromIDX('a', 'b'), TypeError, /Uint8Array/],
  ['fromIDX labels null', () => nl.datasets.fromIDX(idxImages(1, 28, 28), null), TypeError, /labels must be a Uint8Array or ArrayBuffer, got null/],
  ['fromIDX broken gzip', () => nl.datasets.fromIDX(bytes(0x1f, 0x8b, 1, 2, 3), idxLabels(1)), Error, /images: starts like gzip but does not decompress/],
];

describe('the error table', () => {
  beforeAll(async () => {
    nl = await engine(true);
    data = await nl.datasets.mnist();
    wide = await nl.datasets.fromIDX(idxImages(4, 32, 32), idxLabels(4));
    const model = nl.createModel({ preset: 'tiny', norm: 'batch', seed: 1 });
    const trainer = nl.createTrainer(model, data.train, { seed: 1, batchSize: 16 });
    trainer.steps(2);
    checkpoint = trainer.save();
    modelFile = model.save();
    trainer.dispose();
    model.dispose();
    reference = canary();
  });

  test('has a case for every kind of bad input, 300 or more in all', () => {
    expect(cases().length + asyncCases().length).toBeGreaterThanOrEqual(300);
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
    expect(sameBits(canary(), reference)).toBe(true);
  });

  test.each(asyncCases().map((c, i) => [c[0], i]))('%s', async (_, i) => {
    const [, action, type, pattern] = asyncCases()[i];
    let error;
    try {
      await action();
    } catch (e) {
      error = e;
    }
    expect(error, 'an error was thrown').toBeInstanceOf(type);
    expect(error.message).toMatch(pattern);
    expect(sameBits(canary(), reference)).toBe(true);
  });
});
