// web/protocol.js: commands and events are checked before they are acted on, and the
// messages name what is wrong.
import { describe, expect, test } from 'vitest';
import { engineNorm, validateCommand, validateConfig, validateEvent } from '../../../web/protocol.js';

const config = { preset: 'tiny', norm: 'batch', seed: 1, batchSize: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, bnMomentum: 0.1 };

describe('commands', () => {
  test('well-formed commands pass', () => {
    for (const c of [
      { type: 'configure', id: 1, config },
      { type: 'configure', id: 2, config: { ...config, norm: 'group:4' } },
      { type: 'train', until: 0 },
      { type: 'train', until: 1250 },
      { type: 'pause' },
      { type: 'step' },
      { type: 'set-lr', lr: 0.01, atStep: 40 },
      { type: 'stop' },
      { type: 'configure', id: 3, config: { ...config, augment: true }, weights: new Uint8Array(8) },
      { type: 'predict', requestId: 1, pixels: new Float32Array(784) },
      { type: 'save' },
      { type: 'data', source: 'bundled' },
      { type: 'data', source: 'files', files: { trainImages: new Uint8Array(1), trainLabels: new Uint8Array(1), testImages: new Uint8Array(1), testLabels: new Uint8Array(1) } },
    ]) {
      expect(validateCommand(c), JSON.stringify(c)).toBeNull();
    }
  });

  test.each([
    [null, /must be an object/],
    [{ type: 'go' }, /unknown command type "go"/],
    [{ type: 'configure', config }, /configure.id/],
    [{ type: 'train' }, /train.until must be a non-negative integer, got undefined/],
    [{ type: 'train', until: -1 }, /train.until/],
    [{ type: 'train', until: 2.5 }, /train.until/],
    [{ type: 'set-lr', lr: 0, atStep: 0 }, /set-lr.lr must be a number in \(0, 1000\], got 0/],
    [{ type: 'set-lr', lr: NaN, atStep: 0 }, /set-lr.lr/],
    [{ type: 'set-lr', lr: 0.1 }, /set-lr.atStep/],
    [{ type: 'configure', id: 1, config, weights: [1, 2] }, /configure.weights must be a Uint8Array/],
    [{ type: 'predict', requestId: 1, pixels: new Float32Array(10) }, /784 values/],
    [{ type: 'predict', pixels: new Float32Array(784) }, /predict.requestId/],
    [{ type: 'data', source: 'web' }, /data.source must be "bundled" or "files", got "web"/],
    [{ type: 'data', source: 'files', files: { trainImages: new Uint8Array(1) } }, /data.files.trainLabels must be a Uint8Array/],
  ])('%j is refused', (cmd, message) => {
    expect(validateCommand(cmd)).toMatch(message);
  });

  test.each([
    ['preset', 'Tiny!', /config.preset/],
    ['norm', 'batchnorm', /config.norm must be none, batch/],
    ['norm', 'group:0', /config.norm/],
    ['seed', -1, /config.seed/],
    ['batchSize', 0, /config.batchSize must be an integer in 1..256, got 0/],
    ['batchSize', 257, /config.batchSize/],
    ['optimizer', 'rmsprop', /config.optimizer must be one of sgd, adam, adamw, got "rmsprop"/],
    ['lr', Infinity, /config.lr/],
    ['momentum', 1, /config.momentum/],
    ['bnMomentum', 0, /config.bnMomentum/],
    ['augment', 1, /config.augment must be true or false, got 1/],
  ])('a config with %s = %j is refused', (key, value, message) => {
    expect(validateConfig({ ...config, [key]: value })).toMatch(message);
    expect(validateCommand({ type: 'configure', id: 1, config: { ...config, [key]: value } })).toMatch(message);
  });
});

describe('events', () => {
  test('well-formed events pass', () => {
    for (const e of [
      { type: 'engine', version: '0.1.0', simd: true, kernels: 'sse2', presets: ['tiny'], norms: ['batch'] },
      { type: 'ready', id: 3, info: {}, stepsPerEpoch: 125 },
      { type: 'steps', id: 3, first: 0, loss: new Float32Array(2), accuracy: new Float32Array(2) },
      { type: 'eval', id: 3, step: 62, test: { accuracy: 0.9, loss: 0.3 }, trainMode: null },
      { type: 'eval', id: 3, step: 62, test: { accuracy: 0.9, loss: 0.3 }, trainMode: { accuracy: 0.91, loss: 0.3 } },
      { type: 'probes', id: 3, samples: [] },
      { type: 'idle', id: 3, step: 0 },
      { type: 'diverged', id: 3, step: 6, message: 'training diverged at step 6' },
      { type: 'error', phase: 'command', message: 'x' },
    ]) {
      expect(validateEvent(e), e.type).toBeNull();
    }
  });

  test.each([
    [{ type: 'steps', first: 0, loss: [1], accuracy: [1] }, /Float32Arrays/],
    [{ type: 'steps', first: 0, loss: new Float32Array(2), accuracy: new Float32Array(1) }, /same non-zero length/],
    [{ type: 'steps', first: -1, loss: new Float32Array(1), accuracy: new Float32Array(1) }, /steps.first/],
    [{ type: 'eval', step: 1, test: { accuracy: 1.5 }, trainMode: null }, /eval.test.accuracy/],
    [{ type: 'eval', step: 1, test: { accuracy: 0.5 } }, /eval.trainMode/],
    [{ type: 'diverged', step: 3 }, /diverged.message/],
    [{ type: 'idle', id: -2, step: 3 }, /idle.id/],
    [{ type: 'ready', info: {}, stepsPerEpoch: 0 }, /stepsPerEpoch/],
    [{ type: 'hello' }, /unknown event type/],
  ])('%j is refused', (ev, message) => {
    expect(validateEvent(ev)).toMatch(message);
  });
});

test('BatchNorm gets its momentum in the engine norm string only when it is not 0.1', () => {
  expect(engineNorm('batch', 0.1)).toBe('batch');
  expect(engineNorm('batch', 0.01)).toBe('batch,momentum=0.01');
  expect(engineNorm('layer-sample', 0.01)).toBe('layer-sample');
});
