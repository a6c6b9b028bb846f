// The training worker (a module worker): loads the engine and the bundled digits once, then
// hands every valid command to its RunController. Never touches the DOM.
import { prefetchMnist } from '../../wasm/datasets.js';
import { loadEngine } from '../../wasm/index.js';
import { validateCommand } from '../protocol.js';
import { RunController } from './run.js';

const post = (event, transfer = []) => self.postMessage(event, transfer);

// A MessageChannel round trip yields to the event loop without setTimeout's 4 ms clamp,
// so queued commands (pause, set-lr) run between training chunks.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

const describe = (set) => ({ count: set.count, height: set.height, width: set.width, classes: set.classes });

// Loading starts at once, before any command: the page may start this worker ahead of its
// run (web/ui/early_workers.js).
prefetchMnist(); // the digits download while the engine compiles
const engineLoaded = loadEngine();
let engine = null;
let bundled = null;
const controller = (async () => {
  engine = await engineLoaded;
  bundled = await engine.datasets.mnist();
  return new RunController(engine, bundled, post, yieldNow);
})();

// The engine's description answers the first command, never earlier: until then the page
// may have no handler listening. It goes out as soon as the engine is in, ahead of the
// command's own reply, which waits for the digits too.
let described = false;
function describeEngine() {
  if (described) return;
  described = true;
  engineLoaded.then(
    (nl) => post({ type: 'engine', version: nl.version, simd: nl.simd, kernels: nl.kernels, presets: nl.presets, norms: nl.norms }),
    () => {}, // the command's reply reports the failure
  );
}

// The run's data: the bundled digits, or the user's IDX files (gzipped or not). The files
// are parsed and checked by the engine; a bad file leaves the current data in place.
let userData = null;
async function setData(run, { source, files }) {
  let next = bundled;
  if (source === 'files') {
    const load = async (what, images, labels) => {
      try {
        return await engine.datasets.fromIDX(images, labels);
      } catch (e) {
        throw new Error(`the ${what} files were refused: ${e.message}`);
      }
    };
    const train = await load('training', files.trainImages, files.trainLabels);
    let test;
    try {
      test = await load('test', files.testImages, files.testLabels);
    } catch (e) {
      train.dispose();
      throw e;
    }
    next = { train, test };
  }
  run.setData(next);
  if (userData && userData !== next) {
    userData.train.dispose();
    userData.test.dispose();
  }
  userData = next === bundled ? null : next;
  post({ type: 'data', source, train: describe(next.train), test: describe(next.test) });
}

// Commands wait for a data switch in progress, so a 'configure' sent after a 'data' builds on
// the new data (continuations run in arrival order).
let dataReady = Promise.resolve();

self.onmessage = async (e) => {
  describeEngine();
  const problem = validateCommand(e.data);
  if (problem) {
    post({ type: 'error', phase: 'command', message: problem });
    return;
  }
  let run;
  try {
    run = await controller;
  } catch (err) {
    post({ type: 'error', phase: 'load', message: `Could not load the engine or the digits: ${err.message}` });
    return;
  }
  try {
    if (e.data.type === 'data') {
      const loading = dataReady.then(() => setData(run, e.data));
      dataReady = loading.catch(() => {});
      await loading;
    } else {
      await dataReady;
      await run.handle(e.data);
    }
  } catch (err) {
    // A refused file or a failed prediction leaves the run as it was; anything else ends it.
    const phase = ['data', 'predict', 'save'].includes(e.data.type) ? e.data.type : 'train';
    post({ type: 'error', phase, message: err.message });
  }
};
