// The notes printed under the benchmark's tables: how TensorFlow.js was set up, and what
// the run's own checks found (the hand-written kernel, architectures, losses, leaks, errors).
import { convFractions } from './kernels.mjs';
import { cellLabel } from './training.mjs';

export function notes(r) {
  const out = [];
  const all = Object.values(r.training).flat();
  const c = r.kernelCheck;
  out.push(
    'TensorFlow.js 4.22\'s wasm backend has no Conv2DBackpropFilter kernel, so out of the box it cannot train a CNN. The benchmark registers a hand-written one (bench/tfjs/conv2d_backprop_filter.js): the input\'s patches gathered in JS (im2col, stored transposed) times dy through the backend\'s own BatchMatMul. ' +
      (c?.cases ? `Checked against the cpu backend's kernel on ${c.cases.length} shapes (odd sizes, same/valid padding, stride 1 and 2): worst error ${c.worstRelative.toExponential(1)} of the largest value.` : `Its check against the cpu backend failed: ${c?.error}.`),
  );
  out.push('TF.js LayerNorm over C×H×W comes in two variants: "stock LN" is tf.layers.layerNormalization({axis: [1, 2, 3]}); "hand-written LN" is moments plus arithmetic in a custom layer (bench/tfjs/layer_norm_sample.js). Both have elementwise gamma and beta of shape C×H×W, like normlab\'s LayerNorm over C×H×W; the goals compare normlab with the faster of the two.');
  out.push('Same nets, init scheme (uniform ±1/√fan_in for conv and dense weights and biases), batch, optimizer, loss and digits on both sides; TF.js runs channels-last (its native layout), normlab NCHW. The batch order differs (each side shuffles with its own seeded generator).');
  // Architecture: every TF.js cell's layers against normlab's of the same net and norm.
  const mismatches = [];
  let compared = 0;
  for (const t of all.filter((x) => x.cell.system.startsWith('tfjs') && x.signature)) {
    const nl = all.find((x) => x.cell.system === 'normlab-simd' && x.cell.preset === t.cell.preset && x.cell.norm === t.cell.norm && x.signature);
    if (!nl) continue;
    compared++;
    if (JSON.stringify(nl.signature) !== JSON.stringify(t.signature)) mismatches.push(`${t.cell.preset} ${t.cell.norm} ${cellLabel(t.cell)}: TF.js [${t.signature.join(', ')}] vs normlab [${nl.signature.join(', ')}]`);
  }
  out.push(compared === 0 ? 'Architecture check: not done (no TF.js cell finished next to a normlab cell).' : mismatches.length ? `Architecture check FAILED for ${mismatches.length} of ${compared} TF.js cells: ${mismatches.join('; ')}` : `Architecture check: in all ${compared} finished TF.js cells, the layers match normlab's model.info layer by layer (kind, output C×H×W, trainable parameters).`);
  const runtimes = [...new Set(all.filter((x) => x.cell.system === 'tfjs-wasm' && x.runtime).map((x) => `SIMD ${x.runtime.simd ? 'on' : 'OFF'}, ${x.runtime.threads} thread${x.runtime.threads === 1 ? '' : 's'}`))];
  if (runtimes.length) out.push(`TF.js wasm backend as run: ${runtimes.join('; ')}. normlab: ${[...new Set(all.filter((x) => x.cell.system.startsWith('normlab') && x.runtime).map((x) => `${x.cell.system.replace('normlab-', '')} build (kernels: ${x.runtime.kernels})`))].join(', ')}.`);
  const leaks = all.filter((x) => x.leakedTensors);
  out.push(leaks.length ? `TF.js tensors left over after the timed steps (a leak): ${leaks.map((x) => `${x.cell.preset} ${cellLabel(x.cell)}: ${x.leakedTensors}`).join('; ')}.` : 'No TF.js cell left tensors behind across its timed steps.');
  const checked = all.filter((x) => x.summary.loss?.checked);
  const rising = checked.filter((x) => !x.summary.loss.fell);
  const unchecked = all.filter((x) => x.summary.kind && !['skipped', 'error', 'no step', 'no start'].includes(x.summary.kind) && !x.summary.loss?.checked);
  out.push(`Training check (mean loss of the first quarter of the steps against the last): ${rising.length ? `the loss did NOT fall in ${rising.map((x) => `${x.cell.preset} ${x.cell.norm} ${cellLabel(x.cell)}`).join('; ')}` : `the loss fell in all ${checked.length} cells with four steps or more`}${unchecked.length ? `; too few steps to tell in ${unchecked.length} cell${unchecked.length === 1 ? '' : 's'}` : ''}.`);
  const ln = [];
  for (const [runtime, cells] of Object.entries(r.training)) {
    for (const preset of ['tiny', 'baseline']) {
      const stock = cells.find((x) => x.cell.system === 'tfjs-wasm' && x.cell.preset === preset && x.cell.ln === 'stock')?.firstLoss;
      const hand = cells.find((x) => x.cell.system === 'tfjs-wasm' && x.cell.preset === preset && x.cell.ln === 'hand')?.firstLoss;
      if (stock != null && hand != null) ln.push(`${runtime} ${preset}: ${stock.toFixed(5)} vs ${hand.toFixed(5)}`);
    }
  }
  if (ln.length) out.push(`The two TF.js LayerNorm variants start from the same weights and batch, so their first losses should agree: ${ln.join('; ')}.`);
  for (const x of all.filter((y) => y.summary.kind === 'error')) out.push(`Error in ${x.cell.preset} ${x.cell.norm} ${cellLabel(x.cell)}: ${x.summary.note}`);
  for (const m of r.memory.filter((y) => y.status === 'error')) out.push(`Memory measurement of ${m.preset} at batch ${m.batch} failed: ${m.message}`);
  if (r.kernels.wasm?.status === 'missing') out.push(`The wasm kernel benchmark (${r.kernels.wasm.file}) was missing, so the wasm SIMD peak and the GEMMs' fraction of it are not measured; the harness runs it when present (${r.kernels.wasm.build}).`);
  for (const [w, where] of [['wasm', 'Node'], ['wasmChromium', 'Chromium']]) {
    if (r.kernels[w]?.status !== 'done') continue;
    const f = convFractions(r.kernels[w]);
    out.push(`In ${where}, the wasm kernel benchmark measured a SIMD128 peak of ${r.kernels[w].peak.toFixed(1)} GFLOP/s; its convolution kernels reach ${Math.round(Math.min(...f) * 100)}–${Math.round(Math.max(...f) * 100)}% of it (all presets' shapes; the GEMMs, and for the one-input-channel layers the direct kernels that replace them in training).`);
  }
  if (r.meta.pageBuilds && r.meta.pageBuilds !== r.meta.builds) out.push('wasm/dist was rebuilt during the run. The training and memory cells all ran the copy taken at the start (build/bench/engine); the start-up loads and the build sizes are of wasm/dist as it was when they were measured.');
  out.push(`Within each net and norm the systems' repetitions are interleaved, one per system per round, so a change in load hits all of them alike; absolute figures move with the machine's load (${r.meta.cores} cores; load average ${r.meta.loadStart.join(' ')} at start, ${r.meta.loadEnd.join(' ')} at end).`);
  return out;
}
