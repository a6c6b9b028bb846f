// The benchmark harness's reading of kernels_bench's tables (bench/kernels.mjs): GEMM rows,
// direct-kernel rows, and which of them the conv-kernel goal counts.
import { describe, expect, test } from 'vitest';
import { convFractions, parseKernelBench } from '../../../bench/kernels.mjs';

// Lines in kernels_bench.cpp's formats (values made up).
const OUTPUT = `normlab kernels_bench: sse2 kernels, W = 4
peak: split loop of 7 independent vector mul+add chains, 50.0 GFLOP/s (best 1 ms chunk)
tiny      conv 1->8 28x28       forward    NN     8   784     9     20.00     1.000     20x     40%
tiny      conv 8->16 14x14      forward    NN    16   196    72     40.00     1.000     40x     80%
baseline  dense 6272->256 N=64  forward    NT    64   256  6272     45.00     1.000     45x     90%
tiny      conv 1->8 28x28    forward        36.00     0.500     72x     72%
tiny      conv 1->8 28x28    bwd-weight     38.00     0.500     76x     76%
tiny      conv 1->8 28x28    forward   direct        0.250     28.90     0.989     29x     58%`;

describe('kernel benchmark tables', () => {
  test('GEMM rows and direct-kernel rows are read apart; layer rows are neither', () => {
    const b = parseKernelBench(OUTPUT);
    expect(b.peak).toBe(50);
    expect(b.rows.map((r) => r.layer)).toEqual(['conv 1->8 28x28', 'conv 8->16 14x14', 'dense 6272->256 N=64']);
    expect(b.direct).toEqual([
      { net: 'tiny', layer: 'conv 1->8 28x28', form: 'forward', gflops: 36, naive: 0.5, ratio: 72, fractionOfPeak: 0.72 },
      { net: 'tiny', layer: 'conv 1->8 28x28', form: 'bwd-weight', gflops: 38, naive: 0.5, ratio: 76, fractionOfPeak: 0.76 },
    ]);
  });

  test('the conv goal counts the direct kernels in place of the GEMMs they replace, and no dense GEMM', () => {
    expect(convFractions(parseKernelBench(OUTPUT))).toEqual([0.8, 0.72, 0.76]);
    const gemmsOnly = OUTPUT.split('\n').slice(0, 5).join('\n');
    expect(convFractions(parseKernelBench(gemmsOnly))).toEqual([0.4, 0.8]);
  });
});
