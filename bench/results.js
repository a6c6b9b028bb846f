// Turns a training cell's state (bench/training.mjs) into the figures the table prints: the
// median rate and its spread, or, for a cell stopped by its budget, the best honest
// statement of what it got to, plus whether the loss fell.

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;

// Did training make progress? Compares the mean loss of the first and the last quarter of
// all steps (warm-up included; at least two steps each). Needs four steps.
export function lossTrend(losses = []) {
  if (losses.length < 4) return { checked: false, steps: losses.length };
  const k = Math.max(2, Math.floor(losses.length / 4));
  const head = mean(losses.slice(0, k));
  const tail = mean(losses.slice(-k));
  return { checked: true, steps: losses.length, first: losses[0], head, tail, fell: losses.every(Number.isFinite) && tail < head };
}

// kind: 'reps' (all repetitions), 'partial' (some within the budget), 'one step' (the
// sizing step only), 'warm-up only', 'no step' (the first step had run trainingSeconds
// without finishing, so its rate was below upperBound), 'no start' (stopped while
// building), 'error', 'skipped'.
export function summarize(s, { batch, reps }) {
  if (s.status === 'skipped') return { kind: 'skipped', note: s.note };
  const base = { status: s.status, loss: lossTrend(s.losses), firstStep: s.firstStep ?? null };
  if (s.rates.length) {
    return { ...base, kind: s.rates.length < reps ? 'partial' : 'reps', rate: median(s.rates), min: Math.min(...s.rates), max: Math.max(...s.rates), repsDone: s.rates.length };
  }
  if (s.status === 'error') return { ...base, kind: 'error', note: String(s.message ?? '').split('\n')[0].slice(0, 300) };
  if (s.secondStep) return { ...base, kind: 'one step', rate: batch / s.secondStep };
  if (s.firstStep) return { ...base, kind: 'warm-up only', rate: batch / s.firstStep };
  if (s.trainingSeconds) return { ...base, kind: 'no step', upperBound: batch / s.trainingSeconds, trainingSeconds: s.trainingSeconds };
  return { ...base, kind: 'no start' };
}
