// Runs the kernel benchmarks (bench/kernels_bench.cpp, native and compiled to wasm) and reads
// their tables: the measured single-core SIMD peak and, per GEMM shape of the presets and per
// direct conv kernel, GFLOP/s, the ratio to the naive reference and the fraction of the peak.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const KERNEL_BENCHES = {
  native: { file: 'build/native/kernels_bench', command: (f) => [f, []], build: 'bash scripts/build.sh native' },
  wasm: { file: 'build/wasm/bench/kernels_bench.js', command: (f) => [process.execPath, [f]], build: 'bash scripts/build.sh wasm' },
};

// The benchmark's own table formats: a GEMM row, and a row of the one-input-channel direct
// conv kernels (which replace the GEMMs of those layers in training).
const GEMM_ROW = /^(\S+)\s+(.+?)\s+(forward|bwd-data|bwd-weight)\s+([NT]{2})\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)x\s+(\d+)%\s*$/;
const DIRECT_ROW = /^(\S+)\s+(conv 1->\d+ \S+)\s+(forward|bwd-weight)\s+([\d.]+)\s+([\d.]+)\s+(\d+)x\s+(\d+)%\s*$/;

export function parseKernelBench(output) {
  const lines = output.split('\n').map((l) => l.trim());
  const rows = [], direct = [];
  for (const line of lines) {
    let m = GEMM_ROW.exec(line);
    if (m) rows.push({ net: m[1], layer: m[2], form: m[3], op: m[4], m: +m[5], n: +m[6], k: +m[7], gflops: +m[8], naive: +m[9], ratio: +m[10], fractionOfPeak: +m[11] / 100 });
    else if ((m = DIRECT_ROW.exec(line))) direct.push({ net: m[1], layer: m[2], form: m[3], gflops: +m[4], naive: +m[5], ratio: +m[6], fractionOfPeak: +m[7] / 100 });
  }
  // The peak is stated on a line of its own ("single-core peak (...): N GFLOP/s" or
  // "peak: <how>, N GFLOP/s ..."): the first figure in GFLOP/s on it.
  const peakLine = lines.find((l) => /^(single-core peak|peak:)/.test(l)) ?? null;
  const peak = peakLine ? /([\d.]+) GFLOP\/s/.exec(peakLine) : null;
  return {
    header: lines.find((l) => l.startsWith('normlab kernels_bench')) ?? lines[0],
    peak: peak ? +peak[1] : null,
    peakLine,
    rows,
    direct,
  };
}

export function runKernelBench(which, { timeoutSeconds = 600 } = {}) {
  const bench = KERNEL_BENCHES[which];
  const file = `${ROOT}${bench.file}`;
  if (!existsSync(file)) return Promise.resolve({ status: 'missing', file: bench.file, build: bench.build });
  const [cmd, args] = bench.command(file);
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: timeoutSeconds * 1000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) return resolve({ status: 'error', file: bench.file, message: `${error.message}\n${stderr}`.trim() });
      const parsed = parseKernelBench(stdout);
      if (!parsed.rows.length || parsed.peak === null) {
        return resolve({ status: 'error', file: bench.file, message: 'output not understood (no peak line or no GEMM rows)', output: stdout });
      }
      resolve({ status: 'done', file: bench.file, output: stdout, ...parsed });
    });
  });
}

// The wasm benchmark once more, in Chromium (the runtime the goals are about), through a
// worker of the benchmark page; it must be a classic Emscripten script for that.
export async function runKernelBenchInBrowser(page, { timeoutSeconds = 600 } = {}) {
  const bench = KERNEL_BENCHES.wasm;
  if (!existsSync(`${ROOT}${bench.file}`)) return { status: 'missing', file: bench.file, build: bench.build };
  const r = await page.evaluate(([s, t]) => window.runScript(s, t), [`/${bench.file}`, timeoutSeconds]);
  if (r.status !== 'done') return { status: 'error', file: bench.file, message: r.message ?? `no result in ${timeoutSeconds} s` };
  const parsed = parseKernelBench(r.output);
  if (!parsed.rows.length || parsed.peak === null) return { status: 'error', file: bench.file, message: 'output not understood (no peak line or no GEMM rows)', output: r.output };
  return { status: 'done', file: bench.file, output: r.output, ...parsed };
}

// The fractions of the peak of the kernels that run the presets' convolutions in training:
// the GEMMs on the lowered shapes, except where a direct kernel replaces them (the layers of
// one input channel), whose rows count instead.
export function convFractions(bench) {
  const direct = bench.direct ?? [];
  const replaced = new Set(direct.map((r) => `${r.net}|${r.layer}`));
  const conv = [
    ...bench.rows.filter((r) => r.layer.startsWith('conv') && !replaced.has(`${r.net}|${r.layer}`)),
    ...direct,
  ];
  return conv.map((r) => r.fractionOfPeak);
}
