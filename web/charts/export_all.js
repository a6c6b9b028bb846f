// Every recorded series of a session in one file (pure).
//   charts: [{name, run?, snapshot}]: a LineChart snapshot per chart (see export.js); `name`
//     says what the chart measures ("training loss"); `run` names the run of a per-run chart.
//     In a chart shared by the runs, each series may carry its own `run` instead.
//   sessionJSON(charts, meta = {}) → one JSON document {format, version, ...meta, charts:
//     [{name, run, title, xLabel, yLabel, yLog, series: [{label, run, steps, values}]}]},
//     where each series lists only the steps at which it was measured.
//   sessionCSV(charts) → a "long" CSV: run, series, step, value; one line per measured value,
//     chart by chart, series by series, in step order. series = "<chart name>: <series label>".
import { checkSnapshot, csvField } from './export.js';

export const SESSION_FORMAT = 'normlab-session';
export const SESSION_VERSION = 1;

function check(charts) {
  if (!Array.isArray(charts)) throw new TypeError('charts must be an array of {name, run?, snapshot}');
  charts.forEach((c, i) => {
    if (!c || typeof c.name !== 'string' || !c.name) throw new TypeError(`charts[${i}] needs a name (a non-empty string)`);
    try {
      checkSnapshot(c.snapshot);
    } catch (e) {
      throw new e.constructor(`charts[${i}] (${c.name}): ${e.message}`);
    }
  });
}

// Each series of each chart with the steps at which it holds a value.
function* measuredSeries(charts) {
  for (const chart of charts) {
    const { x, columns, series } = chart.snapshot;
    for (let s = 0; s < series.length; ++s) {
      const steps = [];
      const values = [];
      for (let i = 0; i < x.length; ++i) {
        const v = columns[s][i];
        if (v === null || v === undefined || Number.isNaN(v)) continue;
        steps.push(x[i]);
        values.push(v);
      }
      yield { chart, label: series[s].label, run: series[s].run ?? chart.run ?? '', steps, values };
    }
  }
}

export function sessionJSON(charts, meta = {}) {
  check(charts);
  const byChart = new Map(charts.map((c) => [c, []]));
  for (const m of measuredSeries(charts)) byChart.get(m.chart).push({ label: m.label, run: m.run, steps: m.steps, values: m.values });
  const doc = {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    ...meta,
    charts: charts.map((c) => ({
      name: c.name,
      run: c.run ?? '',
      title: c.snapshot.title ?? c.name,
      xLabel: c.snapshot.xLabel,
      yLabel: c.snapshot.yLabel,
      yLog: !!c.snapshot.yLog,
      series: byChart.get(c),
    })),
  };
  return JSON.stringify(doc);
}

export function sessionCSV(charts) {
  check(charts);
  const lines = ['run,series,step,value'];
  for (const m of measuredSeries(charts)) {
    const series = csvField(`${m.chart.name}: ${m.label}`);
    const run = csvField(m.run);
    for (let i = 0; i < m.steps.length; ++i) lines.push(`${run},${series},${m.steps[i]},${m.values[i]}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
