// The training worker (a module worker): loads the engine and the bundled digits once, then
// hands every valid command to its RunController. Never touches the DOM.
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

const controller = (async () => {
  const nl = await loadEngine();
  post({ type: 'engine', version: nl.version, simd: nl.simd, kernels: nl.kernels, presets: nl.presets, norms: nl.norms });
  const data = await nl.datasets.mnist();
  return new RunController(nl, data, post, yieldNow);
})();

self.onmessage = async (e) => {
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
    await run.handle(e.data);
  } catch (err) {
    post({ type: 'error', phase: 'train', message: err.message });
  }
};
