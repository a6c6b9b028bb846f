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
  const lnSteps = new Map((ln.evals ?? []).map((e) => [e.step, e]));
  const bnEval = [...(bn.evals ?? [])].reverse().find((e) => lnSteps.has(e.step));
  if (!bnEval) {
    lines.push('Test accuracy appears here once both runs have been evaluated.');
    return lines;
  }
  const lnEval = lnSteps.get(bnEval.step);
  const e = stepsPerEpoch ? +(bnEval.step / stepsPerEpoch).toFixed(2) : null;
  const epochs = e === null ? '' : ` (${e} epoch${e === 1 ? '' : 's'})`;
  const trainMode = bnEval.trainModeAccuracy != null ? `; ${formatPercent(bnEval.trainModeAccuracy)} when it uses the test batch’s own statistics` : '';
  lines.push(
    `After ${formatCount(bnEval.step)} steps${epochs}: BatchNorm ${formatPercent(bnEval.accuracy)} test accuracy in eval mode${trainMode}; LayerNorm ${formatPercent(lnEval.accuracy)}.`,
  );
  const gap = 100 * (lnEval.accuracy - bnEval.accuracy);
  if (gap > 10) lines.push(`BatchNorm is ${gap.toFixed(1)} points behind: at this batch size its statistics are too noisy to normalize reliably.`);
  else if (gap > 3) lines.push(`BatchNorm is ${gap.toFixed(1)} points behind: its small-batch statistics cost it some accuracy.`);
  else if (gap >= -3) lines.push(`BatchNorm is within ${Math.abs(gap).toFixed(1)} points of LayerNorm: it still trains at this batch size.`);
  else lines.push(`BatchNorm is ${(-gap).toFixed(1)} points ahead of LayerNorm here.`);
  return lines;
}
