// Runs an Emscripten program (a classic script such as build/wasm/bench/kernels_bench.js) in
// a worker and posts what it printed once main() has returned (onExit when the program exits
// its runtime, postRun when it does not).
self.onmessage = ({ data: { script } }) => {
  const lines = [];
  let posted = false;
  const done = () => {
    if (!posted) postMessage({ type: 'done', output: lines.join('\n') });
    posted = true;
  };
  self.Module = {
    print: (line) => lines.push(line),
    printErr: (line) => lines.push(line),
    onExit: done,
    postRun: [done],
    onAbort: (what) => postMessage({ type: 'error', message: `aborted: ${what}` }),
    // Its .wasm sits next to the script, not next to this worker.
    locateFile: (path) => new URL(path, new URL(script, self.location.href)).href,
  };
  try {
    importScripts(script);
  } catch (e) {
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
