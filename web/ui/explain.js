// The page's words: norm names, number formats, and the sentences that explain what went
// wrong or what an experiment's runs show. Pure functions, so they are tested on their own.

const NORM_LABELS = {
  none: 'no normalization',
  batch: 'BatchNorm',
  'layer-channels': 'LayerNorm over channels (per pixel)',
  'layer-sample': 'LayerNorm over C×H×W (per sample)',
  instance: 'InstanceNorm',
};

export function normLabel(norm) {
  const g = /^group:(\d+)$/.exec(norm);
  if (g) return `GroupNorm, ${g[1]} group${g[1] === '1' ? '' : 's'}`;
  return NORM_LABELS[norm] ?? norm;
}

export function formatCount(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function formatFlops(flops) {
  if (flops >= 1e9) return `${+(flops / 1e9).toPrecision(3)} GFLOP`;
  if (flops >= 1e6) return `${+(flops / 1e6).toPrecision(3)} MFLOP`;
  return `${+(flops / 1e3).toPrecision(3)} kFLOP`;
}

export function formatPercent(fraction, digits = 1) {
  return `${(100 * fraction).toFixed(digits)}%`;
}

export function formatLr(lr) {
  return String(+lr.toPrecision(4));
}

// What to say when a run's step threw. runName: "B"; norm/optimizer/lr: the run's settings;
// message: the engine's error ("training diverged at step 6 (epoch 0, lr 10): …").
export function divergenceText({ runName, norm, optimizer, lr, message }) {
  const step = /at step (\d+)/.exec(message)?.[1];
  const title = `Run ${runName} stopped${step !== undefined ? ` at step ${step}` : ''}: its numbers blew up (the loss or a gradient is no longer a finite number).`;
  const smaller = formatLr(lr / 10);
  let why;
  if (norm === 'none') {
    why =
      `Likely cause: the learning rate ${formatLr(lr)} is too high for a network without normalization. ` +
      'Nothing rescales the activations between layers, so one large update can make them grow layer after layer until they overflow. ' +
      `Try ${smaller}, or give the run a normalization layer.`;
  } else {
    why = `Likely cause: the learning rate ${formatLr(lr)} is too high, even with ${normLabel(norm)}. Try ${smaller}.`;
  }
  if (optimizer !== 'sgd' && lr > 0.01) why += ' Adam-style optimizers move each weight by about the learning rate per step, so values above 0.01 are rarely stable.';
  return { title, why, detail: `The engine said: ${message}` };
}

export function crashText(message) {
  return {
    title: 'This run’s worker crashed.',
    why: 'The run can be restarted from step 0; the other runs wait for it to catch up.',
    detail: `The browser said: ${message}`,
  };
}

// The live part of the small-batch experiment card. runs: [{norm, valuesPerStatistic,
// evals: [{step, accuracy, trainModeAccuracy}]}]; the accuracies compared are those of the
// latest step both runs were evaluated at. Returns sentences built only from those numbers,
// or null when the runs are not BatchNorm vs LayerNorm.
export function smallBatchFindings({ preset, batch, stepsPerEpoch, runs }) {
  const bn = runs.find((r) => r.norm === 'batch');
  const ln = runs.find((r) => r.norm === 'layer-sample' || r.norm === 'layer-channels');
  if (!bn || !ln) return null;
  const lines = [];
  const where = `${preset} at batch ${batch}`;
  if (bn.valuesPerStatistic) {
    lines.push(
      `In ${where}, each statistic of the first BatchNorm layer averages ${formatCount(bn.valuesPerStatistic)} value${bn.valuesPerStatistic === 1 ? '' : 's'} ` +
        `(LayerNorm: ${formatCount(ln.valuesPerStatistic ?? 0)} per sample).`,
    );
  }
  const pair = latestCommonEval(bn, ln);
  if (!pair) {
    lines.push('Test accuracy appears here once both runs have been evaluated.');
    return lines;
  }
  const [bnEval, lnEval] = pair;
  const trainMode = bnEval.trainModeAccuracy != null ? `; ${formatPercent(bnEval.trainModeAccuracy)} when it uses the test batch’s own statistics` : '';
  lines.push(
    `${afterSteps(bnEval.step, stepsPerEpoch)}: BatchNorm ${formatPercent(bnEval.accuracy)} test accuracy in eval mode${trainMode}; LayerNorm ${formatPercent(lnEval.accuracy)}.`,
  );
  const gap = 100 * (lnEval.accuracy - bnEval.accuracy);
  if (gap > 10) lines.push(`BatchNorm is ${gap.toFixed(1)} points behind: at this batch size its statistics are too noisy to normalize reliably.`);
  else if (gap > 3) lines.push(`BatchNorm is ${gap.toFixed(1)} points behind: its small-batch statistics cost it some accuracy.`);
  else if (gap >= -3) lines.push(`BatchNorm is within ${Math.abs(gap).toFixed(1)} points of LayerNorm: it still trains at this batch size.`);
  else lines.push(`BatchNorm is ${(-gap).toFixed(1)} points ahead of LayerNorm here.`);
  return lines;
}

// The latest evaluation step two runs share: [aEval, bEval] or null.
function latestCommonEval(a, b) {
  const bSteps = new Map((b.evals ?? []).map((e) => [e.step, e]));
  const aEval = [...(a.evals ?? [])].reverse().find((e) => bSteps.has(e.step));
  return aEval ? [aEval, bSteps.get(aEval.step)] : null;
}

function afterSteps(step, stepsPerEpoch) {
  const e = stepsPerEpoch ? +(step / stepsPerEpoch).toFixed(2) : null;
  return `After ${formatCount(step)} steps${e === null ? '' : ` (${e} epoch${e === 1 ? '' : 's'})`}`;
}

// The live part of "Disable BatchNorm in a VGG-style net": a BatchNorm run against one
// without normalization. runs as for smallBatchFindings, plus each run's smoothed training
// `loss` and `status`. Null when the runs are not BatchNorm vs none.
export function noNormFindings({ preset, batch, stepsPerEpoch, runs }) {
  const bn = runs.find((r) => r.norm === 'batch');
  const none = runs.find((r) => r.norm === 'none');
  if (!bn || !none) return null;
  const lines = [];
  if (none.status === 'diverged') lines.push('The run without normalization diverged: its panel says at which step.');
  const pair = latestCommonEval(bn, none);
  if (!pair) {
    lines.push('Test accuracy appears here once both runs have been evaluated.');
    return lines;
  }
  const [b, n] = pair;
  lines.push(`${afterSteps(b.step, stepsPerEpoch)} of ${preset} at batch ${batch}: BatchNorm ${formatPercent(b.accuracy)} test accuracy; no normalization ${formatPercent(n.accuracy)}.`);
  if (n.accuracy < 0.2) {
    const loss = none.loss;
    const lossText =
      loss == null || !Number.isFinite(loss)
        ? ''
        : Math.abs(loss - Math.LN10) < 0.1
          ? `, and its training loss ${loss.toFixed(2)} is that of a uniform guess over 10 classes (ln 10 ≈ 2.30)`
          : `; its training loss is ${loss.toFixed(2)}`;
    lines.push(`Without normalization the network has not started to learn: ${formatPercent(n.accuracy)} is chance level for 10 digits${lossText}.`);
  }
  const gap = 100 * (b.accuracy - n.accuracy);
  if (gap > 3) lines.push(`BatchNorm is ${gap.toFixed(1)} points ahead at this step.`);
  else if (gap >= -3) lines.push(`Here the network without normalization keeps up (within ${Math.abs(gap).toFixed(1)} points of BatchNorm): the textbook gap does not show at these settings.`);
  else lines.push(`No normalization is ${(-gap).toFixed(1)} points ahead of BatchNorm here, the opposite of the textbook result.`);
  return lines;
}

// One BatchNorm run's train- vs eval-mode gap at its latest evaluation:
// {preset, batch, step, accuracy, trainModeAccuracy} or null.
export function trainEvalMeasurement({ preset, batch, runs }) {
  const bn = runs.find((r) => r.norm === 'batch');
  const last = [...(bn?.evals ?? [])].reverse().find((e) => e.trainModeAccuracy != null);
  return last ? { preset, batch, step: last.step, accuracy: last.accuracy, trainModeAccuracy: last.trainModeAccuracy } : null;
}

function gapSentence(m) {
  const gap = 100 * (m.trainModeAccuracy - m.accuracy);
  const verdict = Math.abs(gap) < 1 ? 'the two modes agree within 1 point' : gap > 0 ? `eval mode is ${gap.toFixed(1)} points worse` : `eval mode is ${(-gap).toFixed(1)} points better`;
  return `${m.preset} at batch ${m.batch}, step ${formatCount(m.step)}: ${formatPercent(m.accuracy)} in eval mode (running statistics), ${formatPercent(m.trainModeAccuracy)} in train mode (statistics of each 500-digit test batch); ${verdict}.`;
}

// The live part of "Train mode vs eval mode". current: trainEvalMeasurement of the runs now
// on the page (or null); earlier: measurements kept from other batch sizes / presets.
export function trainEvalFindings({ current, earlier = [] }) {
  if (!current && !earlier.length) return null;
  const lines = [];
  if (current) {
    lines.push(`Now: ${gapSentence(current)}`);
  } else {
    lines.push('The current runs have no BatchNorm run evaluated yet.');
  }
  for (const m of earlier) lines.push(`Earlier on this page: ${gapSentence(m)}`);
  const all = [current, ...earlier].filter(Boolean);
  if (all.length >= 2) {
    const gaps = all.map((m) => ({ batch: m.batch, gap: 100 * (m.trainModeAccuracy - m.accuracy) }));
    const small = gaps.reduce((a, b) => (b.batch < a.batch ? b : a));
    const large = gaps.reduce((a, b) => (b.batch > a.batch ? b : a));
    if (small.batch !== large.batch) {
      if (small.gap > large.gap + 1) lines.push(`The gap (train-mode minus eval-mode accuracy) grows as the batch shrinks: ${small.gap.toFixed(1)} points at batch ${small.batch} against ${large.gap.toFixed(1)} at batch ${large.batch}.`);
      else lines.push(`The gap (train-mode minus eval-mode accuracy) does not grow as the batch shrinks here: ${small.gap.toFixed(1)} points at batch ${small.batch} against ${large.gap.toFixed(1)} at batch ${large.batch}.`);
    }
  }
  return lines;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// The live part of "Watch BatchNorm's running statistics converge". probe: the latest sample of
// a BatchNorm run's first batch_norm2d layer {step, name, valuesPerStatistic, runningMean,
// runningVar, batchMean, batchVar} (batchVar is the biased variance of the current batch);
// bnMomentum: PyTorch's meaning. Null without a probe.
export function runningStatsFindings({ bnMomentum, probe }) {
  if (!probe) return null;
  const { step, name, valuesPerStatistic: n, runningMean, runningVar, batchMean, batchVar } = probe;
  const c = runningMean.length;
  const lines = [];
  let meanDiff = 0;
  let scale = 0;
  const ratios = [];
  for (let k = 0; k < c; ++k) {
    meanDiff += Math.abs(runningMean[k] - batchMean[k]);
    scale += Math.sqrt(Math.max(batchVar[k], 0));
    if (batchVar[k] > 0) ratios.push(runningVar[k] / batchVar[k]);
  }
  meanDiff /= c;
  scale /= c;
  const rel = scale > 0 ? meanDiff / scale : Infinity;
  lines.push(
    `At step ${formatCount(step)}, layer ${name} (${c} channel${c === 1 ? '' : 's'}): the running means differ from this batch’s means by ${meanDiff.toPrecision(2)} on average, ` +
      `${Number.isFinite(rel) ? rel.toFixed(2) : '∞'} of the batch’s standard deviation${ratios.length ? `; the running variances are ${median(ratios).toFixed(2)}× the batch’s (median over channels)` : ''}.`,
  );
  const halfLife = Math.log(0.5) / Math.log(1 - bnMomentum);
  const initWeight = bnMomentum >= 1 ? 0 : (1 - bnMomentum) ** step;
  lines.push(
    `With momentum ${bnMomentum}, a batch’s weight in the running average halves every ${Number.isFinite(halfLife) ? halfLife.toFixed(1) : '0'} steps; ` +
      `after ${formatCount(step)} steps the starting values (mean 0, variance 1) keep a weight of ${initWeight < 1e-4 ? 'less than 0.0001' : initWeight.toPrecision(2)}.`,
  );
  if (n > 1) {
    const factor = n / (n - 1);
    lines.push(
      `Each statistic averages ${formatCount(n)} values, so the unbiased correction multiplies the batch variance by ${formatCount(n)}/${formatCount(n - 1)} = ${+factor.toPrecision(6)} before it enters the running variance` +
        `${factor < 1.001 ? ': a negligible change here' : factor < 1.1 ? `, ${(100 * (factor - 1)).toFixed(1)}% more` : ': a large change, because each statistic averages so few values'}.`,
    );
  }
  if (rel < 0.1) lines.push('The running statistics have caught up: they track the batch’s to within a tenth of a standard deviation.');
  else lines.push(`The running statistics are still ${rel.toFixed(2)} standard deviations from the batch’s: they lag behind weights that are still moving, or the batches are noisy.`);
  return lines;
}

// The second half of "Watch BatchNorm's running statistics converge": the running statistics
// against the true ones for the current weights. runs: summaries whose evals carry
// `population` ({samples, layers:[{name, mean, var}]}) and `running` ({name, mean, var}, the
// same layer's running statistics at that evaluation). Null without such an evaluation.
export function populationFindings({ runs }) {
  for (const run of runs) {
    const e = [...(run.evals ?? [])].reverse().find((x) => x.population && x.running);
    if (!e) continue;
    const truth = e.population.layers.find((l) => l.name === e.running.name);
    if (!truth) continue;
    const c = truth.mean.length;
    let meanGap = 0;
    const ratios = [];
    for (let k = 0; k < c; ++k) {
      const sd = Math.sqrt(Math.max(truth.var[k], 1e-12));
      meanGap += Math.abs(e.running.mean[k] - truth.mean[k]) / sd;
      if (truth.var[k] > 0) ratios.push(e.running.var[k] / truth.var[k]);
    }
    meanGap /= c;
    const lines = [
      `Against the true values at step ${formatCount(e.step)} (batch statistics averaged over ${formatCount(e.population.samples)} training digits with the weights of that step), the running means of layer ${e.running.name} are off by ${meanGap.toFixed(2)} standard deviations on average` +
        `${ratios.length ? `, and the running variances are ${median(ratios).toFixed(2)}× the true ones (median over channels)` : ''}.`,
    ];
    if (meanGap < 0.1) lines.push('So eval mode normalizes with statistics close to what training sees.');
    else lines.push('The running averages lag behind weights that are still changing; eval mode normalizes with statistics that training no longer produces.');
    return lines;
  }
  return null;
}

// The live part of the batch-size sweep. sweep: {preset, norms, results: [{batch, norm,
// error, valuesPerStatistic}], running: {batch} | null}. Null before any result.
export function sweepFindings(sweep) {
  if (!sweep?.results?.length) return null;
  const { preset, norms, results } = sweep;
  const lines = [];
  const at = (batch, norm) => results.find((r) => r.batch === batch && r.norm === norm);
  const batches = [...new Set(results.map((r) => r.batch))].sort((a, b) => b - a);
  for (const b of batches) {
    const cells = norms.map((n) => at(b, n)).filter(Boolean).map((r) => `${normLabel(r.norm)} ${formatPercent(r.error)}`);
    lines.push(`${preset} at batch ${b}: ${cells.join(', ')} test error after one epoch.`);
  }
  if (sweep.running) lines.push(`Training batch ${sweep.running.batch} now…`);
  const largest = batches[0];
  const smallest = batches[batches.length - 1];
  const bnLarge = at(largest, 'batch');
  const bnSmall = at(smallest, 'batch');
  if (bnLarge && bnSmall && smallest < largest) {
    const rise = 100 * (bnSmall.error - bnLarge.error);
    const others = norms.filter((n) => n !== 'batch').map((n) => [at(largest, n), at(smallest, n)]).filter(([a, b]) => a && b);
    const otherRise = others.length ? Math.max(...others.map(([a, b]) => 100 * (b.error - a.error))) : null;
    const count = bnSmall.valuesPerStatistic ? ` At batch ${smallest} each BatchNorm statistic of the first layer averages ${formatCount(bnSmall.valuesPerStatistic)} values.` : '';
    if (rise > 3 && (otherRise === null || rise > otherRise + 3)) {
      lines.push(`BatchNorm’s error grows by ${rise.toFixed(1)} points from batch ${largest} to ${smallest}${otherRise === null ? '' : `, the per-sample norms’ by at most ${otherRise.toFixed(1)}`}: the paper’s result shows here.${count}`);
    } else {
      lines.push(`BatchNorm’s error changes by ${rise.toFixed(1)} points from batch ${largest} to ${smallest}${otherRise === null ? '' : ` (the per-sample norms’ by up to ${otherRise.toFixed(1)})`}: the collapse the paper shows does not happen here.${count} With that many values per statistic the batch mean and variance are still steady; one epoch and one seed per point also leave a point or two of noise.`);
    }
  }
  return lines;
}

// The live part of "Ioffe & Szegedy, Figure 1": mlp with and without BatchNorm. units: per run
// index, [{step, p15, p50, p85}] of the input to one sigmoid unit, with `layer` naming it.
export function ioffeFindings({ preset, stepsPerEpoch, runs, units = [] }) {
  const bnIndex = runs.findIndex((r) => r.norm === 'batch');
  const noneIndex = runs.findIndex((r) => r.norm === 'none');
  if (preset !== 'mlp' || bnIndex < 0 || noneIndex < 0) return null;
  const lines = [];
  const pair = latestCommonEval(runs[bnIndex], runs[noneIndex]);
  if (pair) {
    const [b, n] = pair;
    const gap = 100 * (b.accuracy - n.accuracy);
    const verdict = gap > 1 ? `BatchNorm is ${gap.toFixed(1)} points ahead, as in the paper` : gap >= -1 ? 'the two are within a point of each other, unlike the paper’s gap' : `the run without BatchNorm is ${(-gap).toFixed(1)} points ahead, the opposite of the paper`;
    lines.push(`${afterSteps(b.step, stepsPerEpoch)}: test accuracy ${formatPercent(b.accuracy)} with BatchNorm, ${formatPercent(n.accuracy)} without; ${verdict}.`);
  } else {
    lines.push('Test accuracy appears here once both runs have been evaluated.');
  }
  for (const [i, name] of [[noneIndex, 'Without BatchNorm'], [bnIndex, 'With BatchNorm']]) {
    const u = units[i];
    if (!u || u.points.length < 2) continue;
    const first = u.points[0];
    const last = u.points[u.points.length - 1];
    lines.push(
      `${name}, the input of unit 0 of layer ${u.layer}: median ${first.p50.toFixed(2)} at step ${formatCount(first.step)}, ${last.p50.toFixed(2)} at step ${formatCount(last.step)}; ` +
        `the 15–85% range ${(first.p85 - first.p15).toFixed(2)} wide at first, ${(last.p85 - last.p15).toFixed(2)} now.`,
    );
  }
  return lines;
}
