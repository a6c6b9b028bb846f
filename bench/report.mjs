// Renders a benchmark run (the object bench/run.mjs assembles, also written by --json) as
// plain text for the terminal or as Markdown for the README: the training table, the goals
// of issue 6, kernels, memory, start-up and notes. Prints measurements only: nothing here
// decides anything the numbers do not say.
import { NETS, NORMS, cellLabel } from './training.mjs';
import { convFractions } from './kernels.mjs';
import { median } from './results.js';

const RUNTIMES = { browser: 'Chromium', node: 'Node' };
const MB = 2 ** 20;

// 3 significant digits, thousands separated: 4,712 · 38.8 · 0.614
export function num(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const digits = Math.abs(x) >= 100 ? 0 : Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x) || 1)));
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
const pct = (f) => (f === null || f === undefined ? '—' : `${Math.round(f * 100)}%`);
const mb = (bytes) => (bytes ? `${(bytes / MB).toFixed(1)} MB` : '—');
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

function rateText(s) {
  if (s.rate !== undefined) return num(s.rate);
  if (s.upperBound !== undefined) return `< ${num(s.upperBound)}`;
  return '—';
}

function spreadText(s, reps, budget) {
  switch (s.kind) {
    case 'reps': return `${num(s.min)}–${num(s.max)}`;
    case 'partial': return `${num(s.min)}–${num(s.max)}, ${s.repsDone} of ${reps} reps in ${budget} s`;
    case 'one step': return `one timed step in ${budget} s`;
    case 'warm-up only': return `warm-up step only in ${budget} s`;
    case 'no step': return `first step unfinished after ${num(s.trainingSeconds)} s`;
    case 'no start': return `stopped while building, after ${budget} s`;
    case 'skipped': return s.note;
    default: return 'error (see the notes)';
  }
}

function lossText(s) {
  const l = s.loss;
  if (!l || !l.checked) return l ? `— (${l.steps} step${l.steps === 1 ? '' : 's'})` : '—';
  return `${l.head.toFixed(2)}→${l.tail.toFixed(2)} ${l.fell ? 'falls' : 'DOES NOT FALL'}`;
}

// The normlab SIMD summary of the same runtime, net and norm.
function reference(rows, row) {
  return rows.find((r) => r.cell.system === 'normlab-simd' && r.cell.preset === row.cell.preset && r.cell.norm === row.cell.norm)?.summary;
}

// rate of a over rate of b, with bounds when a step never finished. A rate from the
// warm-up step alone (compilation and first allocations included) is no steady-state
// figure: such ratios are shown with a '~' and decide nothing.
function ratio(a, b) {
  if (!a || !b) return null;
  if (a.kind === 'warm-up only' || b.kind === 'warm-up only') {
    return a.rate !== undefined && b.rate !== undefined ? { rough: a.rate / b.rate, text: `~${num(a.rate / b.rate)}` } : null;
  }
  if (a.rate !== undefined && b.rate !== undefined) return { value: a.rate / b.rate, text: `${num(a.rate / b.rate)}` };
  if (a.upperBound !== undefined && b.rate !== undefined) return { below: a.upperBound / b.rate, text: `< ${num(a.upperBound / b.rate)}` };
  if (a.rate !== undefined && b.upperBound !== undefined) return { above: a.rate / b.upperBound, text: `> ${num(a.rate / b.upperBound)}` };
  return null;
}

function trainingTable(run) {
  const { reps, budgetSeconds } = run.meta;
  const rows = [];
  for (const runtime of Object.keys(RUNTIMES)) {
    const cells = run.training[runtime];
    if (!cells) continue;
    for (const r of cells) {
      const nl = reference(cells, r);
      const flops = run.flops[r.cell.preset];
      const s = r.summary;
      const gflops = s.rate !== undefined && flops ? num((s.rate * flops) / 1e9) : s.upperBound !== undefined && flops ? `< ${num((s.upperBound * flops) / 1e9)}` : '—';
      rows.push([RUNTIMES[runtime], r.cell.preset, NORMS[r.cell.norm], cellLabel(r.cell), rateText(s), spreadText(s, reps, budgetSeconds), ratio(s, nl)?.text ?? '—', gflops, lossText(s)]);
    }
  }
  return {
    columns: ['runtime', 'net', 'norm', 'system', 'samples/s', 'spread (min–max)', '× normlab SIMD', 'GFLOP/s', 'loss (first → last quarter)'],
    align: 'llllrlrrl',
    rows,
  };
}

function goalRows(run) {
  const rows = [];
  const find = (cells, system, preset, norm, ln) => cells.find((r) => r.cell.system === system && r.cell.preset === preset && r.cell.norm === norm && r.cell.ln === ln)?.summary;
  const verdict = (q, goal) => {
    if (!q) return 'not measured';
    if (q.value !== undefined) return q.value >= goal ? 'met' : 'not met';
    if (q.above !== undefined) return q.above >= goal ? 'met' : 'not known';
    if (q.rough !== undefined) return 'not known (warm-up step only)';
    return 'not known';
  };
  for (const runtime of Object.keys(RUNTIMES)) {
    const cells = run.training[runtime];
    if (!cells) continue;
    for (const preset of NETS) {
      const goal = preset === 'tiny' ? 3 : 5;
      for (const norm of Object.keys(NORMS)) {
        const nl = find(cells, 'normlab-simd', preset, norm);
        // Against TF.js's faster LayerNorm variant.
        const tfs = norm === 'batch' ? [find(cells, 'tfjs-wasm', preset, norm)] : [find(cells, 'tfjs-wasm', preset, norm, 'stock'), find(cells, 'tfjs-wasm', preset, norm, 'hand')];
        const best = tfs.filter(Boolean).sort((a, b) => (b.rate ?? b.upperBound ?? 0) - (a.rate ?? a.upperBound ?? 0))[0];
        const q = ratio(nl, best);
        rows.push([RUNTIMES[runtime], `${preset}, ${NORMS[norm]}: normlab SIMD ÷ TF.js wasm${norm === 'layer' ? ' (faster LN)' : ''}`, `≥ ${goal}×`, q ? `${q.text}×` : '—', verdict(q, goal)]);
        const cpu = norm === 'batch' ? find(cells, 'tfjs-cpu', preset, norm) : [find(cells, 'tfjs-cpu', preset, norm, 'stock'), find(cells, 'tfjs-cpu', preset, norm, 'hand')].filter((x) => x && x.kind !== 'skipped').sort((a, b) => (b.rate ?? b.upperBound ?? 0) - (a.rate ?? a.upperBound ?? 0))[0];
        const qc = cpu && cpu.kind !== 'skipped' ? ratio(nl, cpu) : null;
        rows.push([RUNTIMES[runtime], `${preset}, ${NORMS[norm]}: normlab SIMD ÷ TF.js cpu${norm === 'layer' ? ' (faster LN)' : ''}`, '≥ 10×', qc ? `${qc.text}×` : '—', verdict(qc, 10)]);
      }
    }
  }
  // In Chromium when it ran there, else in Node. The goal is about the convolutions; the
  // first conv of each net (one input channel, K = 9) is shown apart from the large ones.
  const w = ['wasmChromium', 'wasm'].find((k) => run.kernels?.[k]?.status === 'done');
  if (w) {
    const where = w === 'wasm' ? 'Node' : 'Chromium';
    const conv = run.kernels[w].rows.filter((r) => r.layer.startsWith('conv'));
    const large = conv.filter((r) => r.net === 'baseline' && Math.min(r.m, r.n, r.k) >= 64).map((r) => r.fractionOfPeak);
    const all = convFractions(run.kernels[w]);
    const what = run.kernels[w].direct?.length ? 'all conv kernels of tiny and baseline (GEMMs; for the one-input-channel layers, the direct kernels that replace theirs) vs the wasm SIMD peak: lowest, median' : 'all conv GEMMs of tiny and baseline vs the wasm SIMD peak: lowest, median';
    if (large.length) rows.push([where, 'baseline\'s large conv GEMMs (32→64, 64→128; every form) vs the wasm SIMD peak: lowest, median', '≥ 70%', `${pct(Math.min(...large))}, ${pct(median(large))}`, Math.min(...large) >= 0.7 ? 'met' : 'not met']);
    rows.push([where, what, '≥ 70%', `${pct(Math.min(...all))}, ${pct(median(all))}`, Math.min(...all) >= 0.7 ? 'met' : 'not met']);
  } else {
    rows.push(['wasm', 'convolution GEMMs vs the wasm SIMD peak', '≥ 70%', '—', 'not measured (wasm kernel benchmark missing)']);
  }
  const loads = run.startup?.loads?.filter((l) => l.firstStep != null) ?? [];
  if (loads.length) {
    const t = median(loads.map((l) => l.firstStep));
    rows.push(['Chromium', 'page load to first finished training step (median)', '< 1 s', `${num(t / 1000)} s`, t < 1000 ? 'met' : 'not met']);
  }
  for (const s of run.sizes ?? []) {
    const total = s.wasmGzip + s.glueGzip;
    rows.push(['—', `${s.build} build, wasm + JS glue, gzip -9`, '≤ 150 KB', kb(total), total <= 150 * 1024 ? 'met' : 'not met']);
  }
  const heap = run.memory?.find((m) => m.preset === 'baseline' && m.batch === 64);
  if (heap) rows.push(['Node', 'peak wasm heap, baseline, batch 64', '< 64 MB', mb(heap.peak), heap.status === 'done' ? (heap.peak < 64 * MB ? 'met' : 'not met') : heap.status]);
  return { columns: ['where', 'goal (issue 6)', 'target', 'measured', ''], align: 'lllrl', rows };
}

const KERNEL_RUNS = { native: 'native', wasm: 'wasm in Node', wasmChromium: 'wasm in Chromium' };

function kernelTable(run) {
  const done = Object.keys(KERNEL_RUNS).filter((w) => run.kernels?.[w]?.status === 'done');
  if (!done.length) return null;
  // GEMM rows, then the direct kernels' rows (m×n×k: "direct").
  const kernelRows = (w) => [...run.kernels[w].rows, ...(run.kernels[w].direct ?? []).map((r) => ({ ...r, direct: true }))];
  const keyOf = (r) => `${r.net}|${r.layer}|${r.form}|${r.direct ? 'direct' : 'gemm'}`;
  const keys = [...new Set(done.flatMap((w) => kernelRows(w).map(keyOf)))];
  const columns = ['net', 'kernel', 'form', 'm×n×k'];
  for (const w of done) columns.push(`${KERNEL_RUNS[w]}: GFLOP/s`, '% of peak', '× naive');
  const rows = keys.map((key) => {
    const [net, layer, form] = key.split('|');
    const any = done.map((w) => kernelRows(w).find((r) => keyOf(r) === key)).find(Boolean);
    const row = [net, any.direct ? `${layer}, direct` : `${layer}, GEMM`, form, any.direct ? '—' : `${any.m}×${any.n}×${any.k}`];
    for (const w of done) {
      const r = kernelRows(w).find((x) => keyOf(x) === key);
      row.push(r ? num(r.gflops) : '—', r ? pct(r.fractionOfPeak) : '—', r ? `${r.ratio}×` : '—');
    }
    return row;
  });
  return { columns, align: 'llll' + 'rrr'.repeat(done.length), rows };
}

function memoryTable(run) {
  if (!run.memory?.length) return null;
  const presets = [...new Set(run.memory.map((m) => m.preset))];
  const batches = [...new Set(run.memory.map((m) => m.batch))];
  const cell = (m) => {
    if (!m) return 'not run';
    if (m.status === 'done') return `${mb(m.peak)}${m.steps < 2 ? ` (${m.steps} step)` : ''}`;
    if (m.status === 'does not fit') return `does not fit (needs about ${/needs about ([\d.]+ [KMG]?B)/.exec(m.message ?? '')?.[1] ?? '?'})`;
    if (m.status === 'timeout') return `no result in ${num(m.seconds)} s${m.peak ? ` (≥ ${mb(m.peak)} so far)` : ''}`;
    return 'error (see the notes)';
  };
  const rows = presets.map((p) => [p, ...batches.map((b) => cell(run.memory.find((m) => m.preset === p && m.batch === b)))]);
  const base = run.memory.find((m) => m.heap?.data);
  return { columns: ['preset', ...batches.map((b) => `batch ${b}`)], align: 'l' + 'r'.repeat(batches.length), rows, base };
}

function startupLines(run) {
  const loads = run.startup?.loads ?? [];
  const ok = loads.filter((l) => l.firstStep != null);
  const lines = [];
  if (ok.length) {
    const first = ok.map((l) => l.firstStep), all = ok.map((l) => l.allRunsStepped);
    lines.push(`page load (navigation start) to the first finished training step: median ${num(median(first))} ms [${num(Math.min(...first))}–${num(Math.max(...first))}] over ${ok.length} loads; to a step in all ${ok[0].runs} runs: median ${num(median(all))} ms`);
    const l = ok[0];
    lines.push(`transfer per load: ${kb(l.bytes)} in ${l.requests} responses, served uncompressed (${kb(l.gzipBytes)} if every response were gzip -9); bundled digits included`);
    const byPath = new Map();
    for (const x of l.served) byPath.set(x.path, { bytes: x.bytes, count: (byPath.get(x.path)?.count ?? 0) + 1 });
    const big = [...byPath].sort((a, b) => b[1].bytes * b[1].count - a[1].bytes * a[1].count).slice(0, 5);
    lines.push(`largest: ${big.map(([path, x]) => `${path} ${kb(x.bytes)}${x.count > 1 ? ` ×${x.count}` : ''}`).join(', ')}`);
  }
  for (const l of loads.filter((x) => x.error)) lines.push(`a load failed: ${l.error}`);
  for (const b of run.sizes ?? []) lines.push(`${b.build} build: wasm ${kb(b.wasmBytes)} (${kb(b.wasmGzip)} gzip -9) + glue ${kb(b.glueBytes)} (${kb(b.glueGzip)} gzip -9) = ${kb(b.wasmGzip + b.glueGzip)} gzipped`);
  return lines;
}

function header(run) {
  const m = run.meta;
  return [
    `normlab benchmark, ${m.date}`,
    `machine: ${m.cpu} (${m.cores} cores), ${m.os}; load average ${m.loadStart.join(' ')} at start, ${m.loadEnd.join(' ')} at end`,
    `runtimes: Node ${m.node}${m.chromium ? `, Chromium ${m.chromium} (headless)` : ''}; TensorFlow.js ${m.tfjs}; normlab ${m.normlab}`,
    `wasm builds measured (SHA-256): ${m.builds}${m.pageBuilds && m.pageBuilds !== m.builds ? `; wasm/dist changed during the run (now ${m.pageBuilds}), see the notes` : ''}`,
    `mode: ${m.mode}: per cell a warm-up step, a sizing step, then ${m.reps} repetitions of ~${m.repSeconds} s; a cell stops after ${m.budgetSeconds} s`,
    `training: batch ${m.training.batch}, SGD lr ${m.training.lr} momentum ${m.training.momentum}, float32, one thread, seed ${m.training.seed}, the bundled 8,000 training digits`,
    `FLOPs per training sample (model.info.trainingFlops): ${Object.entries(run.flops).map(([k, v]) => `${k} ${num(v / 1e6)} M`).join(', ')}`,
  ];
}

function kernelLines(run) {
  const out = [];
  for (const [w, label] of Object.entries(KERNEL_RUNS)) {
    const b = run.kernels?.[w];
    if (!b) continue;
    if (b.status === 'missing') out.push(`${label}: ${b.file} is missing (build it with ${b.build}); not run`);
    else if (b.status === 'error') out.push(`${label}: the kernel benchmark failed: ${b.message.split('\n')[0]}`);
    else out.push(`${label}: ${b.header.replace(/^normlab kernels_bench: /, '')}; ${b.peakLine}`);
  }
  return out;
}

// A document: blocks of {title, lines, table}.
function document(run) {
  const blocks = [{ lines: header(run) }];
  blocks.push({ title: 'Training throughput (samples/s: median of the repetitions)', table: trainingTable(run) });
  blocks.push({ title: 'Goals of issue 6', table: goalRows(run) });
  const k = kernelTable(run);
  blocks.push({ title: 'GEMM and direct conv kernels on the presets\' shapes (bench/kernels_bench.cpp)', lines: kernelLines(run), table: k });
  const m = memoryTable(run);
  if (m) {
    const base = m.base ? `the heap holds ${mb(m.base.heap.loaded)} after loading the engine and ${mb(m.base.heap.data)} with the bundled digits; ` : '';
    blocks.push({ title: `Memory: peak wasm heap (nl.memory().heapBytes), SIMD build, ${run.memory[0].norm === 'batch' ? 'BatchNorm' : run.memory[0].norm}, after building and training up to 2 steps (Node)`, lines: [`${base}each cell is a fresh engine`], table: { columns: m.columns, align: m.align, rows: m.rows } });
  }
  const s = startupLines(run);
  if (s.length) blocks.push({ title: run.startup ? 'Start-up: the playground page (index.html) in headless Chromium, served locally; build sizes' : 'Build sizes', lines: s });
  blocks.push({ title: 'Notes', lines: run.notes.map((n) => `- ${n}`) });
  return blocks;
}

function textTable({ columns, align, rows }) {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (cells) => cells.map((c, i) => (align[i] === 'r' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

function markdownTable({ columns, align, rows }) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `|${columns.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

export function renderText(run) {
  const out = [];
  for (const b of document(run)) {
    if (b.title) out.push('', b.title);
    if (b.lines) out.push(...b.lines);
    if (b.table) out.push(...textTable(b.table));
  }
  return out.join('\n');
}

export function renderMarkdown(run) {
  const out = [];
  for (const b of document(run)) {
    if (b.title) out.push('', `**${b.title}**`);
    if (b.lines) out.push('', ...b.lines.map((l) => (l.startsWith('- ') ? l : `${l}  `)));
    if (b.table) out.push('', ...markdownTable(b.table));
  }
  return out.join('\n').trim();
}
