// web/ui/session.js: the lockstep coordinator, driven with fake workers that record what
// they are sent and reply with hand-made events.
import { beforeEach, describe, expect, test } from 'vitest';
import { Session } from '../../../web/ui/session.js';

class FakeWorker {
  sent = [];
  terminated = false;
  postMessage(m) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  reply(ev) {
    this.onmessage({ data: ev });
  }
  last(type) {
    return this.sent.filter((m) => m.type === type).at(-1);
  }
  // The id of the run this worker was last asked to build.
  get id() {
    return this.last('configure').id;
  }
  steps(first, count, chunkTarget = 1) {
    this.reply({ type: 'steps', id: this.id, first, loss: new Float32Array(count), accuracy: new Float32Array(count), chunkTarget });
  }
}

const config = (norm) => ({ preset: 'tiny', norm, seed: 1, batchSize: 64, optimizer: 'sgd', lr: 0.05, momentum: 0.9, bnMomentum: 0.1 });

let workers, events, states, session;
beforeEach(() => {
  workers = [];
  events = [];
  states = [];
  session = new Session({
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    onEvent: (i, ev) => events.push([i, ev.type]),
    onState: (s) => states.push(s),
  });
});

function startTwo({ epochs = 0, stepsPerEpoch = 125 } = {}) {
  session.configure([config('batch'), config('layer-sample')], { epochs });
  for (const w of workers) w.reply({ type: 'ready', id: w.id, info: {}, stepsPerEpoch });
  session.play();
}

describe('Session', () => {
  test('each run gets its own worker and a configure with a fresh id', () => {
    session.configure([config('batch'), config('layer-sample')]);
    expect(workers).toHaveLength(2);
    expect(workers[0].sent[0]).toEqual({ type: 'configure', id: 1, config: config('batch') });
    expect(workers[1].sent[0]).toEqual({ type: 'configure', id: 2, config: config('layer-sample') });
  });

  test('play waits for the runs to be built, then lets both train a short lead', () => {
    session.configure([config('batch'), config('layer-sample')]);
    session.play();
    expect(session.playing).toBe(false);
    for (const w of workers) w.reply({ type: 'ready', id: w.id, info: {}, stepsPerEpoch: 125 });
    session.play();
    expect(session.playing).toBe(true);
    expect(workers.map((w) => w.last('train'))).toEqual([{ type: 'train', until: 16 }, { type: 'train', until: 16 }]);
  });

  test('no run is allowed more than the lead past the slowest one', () => {
    startTwo();
    const [a, b] = workers;
    a.steps(0, 16, 2);
    expect(a.last('train').until).toBe(16); // b is still at 0
    b.steps(0, 5, 2);
    expect(a.last('train').until).toBe(5 + 16);
    b.steps(5, 10, 2);
    expect(a.last('train').until).toBe(15 + 16);
    for (const w of workers) for (const m of w.sent.filter((x) => x.type === 'train')) expect(m.until).toBeLessThanOrEqual(31);
  });

  test('pause stops both, then brings the one behind level with the other', () => {
    startTwo();
    const [a, b] = workers;
    a.steps(0, 16);
    b.steps(0, 9);
    session.pause();
    expect(a.last('pause')).toEqual({ type: 'pause' });
    expect(b.last('pause')).toEqual({ type: 'pause' });
    const sentBefore = b.sent.length;
    a.reply({ type: 'idle', id: a.id, step: 20 });
    expect(b.sent.length).toBe(sentBefore); // waits for every run's answer
    b.reply({ type: 'idle', id: b.id, step: 12 });
    expect(b.last('train')).toEqual({ type: 'train', until: 20 });
    expect(a.sent.at(-1)).toEqual({ type: 'pause' }); // a is already there
    expect(session.playing).toBe(false);
    expect(states.at(-1)).toMatchObject({ playing: false });
  });

  test('a single step moves every run one step past the furthest', () => {
    session.configure([config('batch'), config('layer-sample')]);
    for (const w of workers) w.reply({ type: 'ready', id: w.id, info: {}, stepsPerEpoch: 125 });
    workers[0].reply({ type: 'idle', id: workers[0].id, step: 7 });
    workers[1].reply({ type: 'idle', id: workers[1].id, step: 7 });
    session.step();
    expect(workers.map((w) => w.last('train'))).toEqual([{ type: 'train', until: 8 }, { type: 'train', until: 8 }]);
  });

  test('a learning-rate change is scheduled at a step no run can have passed', () => {
    startTwo();
    const [a, b] = workers;
    a.steps(0, 16, 4);
    b.steps(0, 10, 4);
    const allowed = Math.max(...workers.flatMap((w) => w.sent.filter((m) => m.type === 'train').map((m) => m.until)));
    session.setLearningRate(0.01);
    expect(a.last('set-lr')).toEqual({ type: 'set-lr', lr: 0.01, atStep: allowed });
    expect(b.last('set-lr')).toEqual({ type: 'set-lr', lr: 0.01, atStep: allowed });
  });

  test('a diverged run stops holding the others back', () => {
    startTwo();
    const [a, b] = workers;
    a.reply({ type: 'diverged', id: a.id, step: 3, message: 'training diverged at step 3' });
    b.steps(0, 16, 1);
    expect(b.last('train').until).toBe(32);
    expect(session.playing).toBe(true);
    expect(events).toContainEqual([0, 'diverged']);
  });

  test('events of a run that was replaced are dropped', () => {
    startTwo();
    const [a] = workers;
    const oldId = a.id;
    session.configure([config('batch'), config('layer-sample')]);
    events.length = 0;
    a.reply({ type: 'steps', id: oldId, first: 0, loss: new Float32Array(3), accuracy: new Float32Array(3) });
    a.reply({ type: 'error', id: oldId, phase: 'configure', message: 'old' });
    expect(events).toEqual([]);
    expect(session.run(0).status).toBe('loading');
  });

  test('a crashed worker is reported, and restart builds the run again in a new worker', () => {
    startTwo();
    const [a] = workers;
    a.onerror({ message: 'Uncaught RangeError: boom', preventDefault() {} });
    expect(events).toContainEqual([0, 'crash']);
    expect(session.run(0).status).toBe('crashed');
    session.restart(0);
    expect(a.terminated).toBe(true);
    expect(workers).toHaveLength(3);
    expect(workers[2].sent[0]).toMatchObject({ type: 'configure', config: config('batch') });
    expect(workers[2].sent[0].id).toBeGreaterThan(2);
  });

  test('a crashed run with a checkpoint resumes from it, with the later learning-rate changes sent again', () => {
    startTwo();
    const [a] = workers;
    a.steps(0, 20);
    workers[1].steps(0, 20);
    const bytes = Uint8Array.of(1, 2, 3);
    a.reply({ type: 'checkpoint', id: a.id, step: 16, bytes });
    expect(events.map((e) => e[1])).not.toContain('checkpoint'); // kept by the session, not shown
    session.setLearningRate(0.01); // scheduled past every run's step
    const atStep = a.last('set-lr').atStep;
    expect(atStep).toBeGreaterThan(16);
    a.onerror({ message: 'boom', preventDefault() {} });
    expect(session.restart(0)).toBe(16);
    const fresh = workers[2];
    expect(fresh.sent[0]).toMatchObject({ type: 'configure', config: config('batch'), resume: bytes });
    expect(fresh.sent[0].resume).not.toBe(bytes); // a copy: the session keeps its own
    expect(fresh.sent[1]).toEqual({ type: 'set-lr', lr: 0.01, atStep });
    expect(session.run(0)).toMatchObject({ status: 'loading', step: 16 });
  });

  test('with an epoch limit, training stops at that step and play ends', () => {
    startTwo({ epochs: 1, stepsPerEpoch: 10 });
    for (const w of workers) expect(w.last('train').until).toBe(10);
    for (const w of workers) w.steps(0, 10);
    expect(session.playing).toBe(false);
    expect(states.at(-1)).toEqual({ playing: false, finished: true });
    session.play();
    expect(session.playing).toBe(false);
  });

  test('a malformed event is reported as a protocol error, not acted on', () => {
    startTwo();
    workers[0].reply({ type: 'steps', id: workers[0].id, first: 0, loss: [1], accuracy: [1] });
    expect(events.at(-1)).toEqual([0, 'error']);
    expect(session.run(0).step).toBe(0);
  });
});

describe('Session epoch limit changes', () => {
  test('raising the limit after finishing lets play continue; lowering it below the runs pauses them', () => {
    startTwo({ epochs: 1, stepsPerEpoch: 10 });
    for (const w of workers) w.steps(0, 10);
    expect(session.finished).toBe(true);
    session.setEpochs(3);
    expect(session.finished).toBe(false);
    session.play();
    expect(workers.map((w) => w.last('train').until)).toEqual([26, 26]);
    session.setEpochs(1);
    expect(session.playing).toBe(false);
    expect(workers.map((w) => w.sent.at(-1))).toEqual([{ type: 'pause' }, { type: 'pause' }]);
  });
});
