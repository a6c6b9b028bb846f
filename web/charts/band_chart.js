// The 15th–85th percentile band and the median of one layer's activations over steps (the
// view Ioffe & Szegedy use in their Figure 1). A LineChart with three fixed series; append
// takes {step, p15, p50, p85} points; snapshot() and canvas are the LineChart's.
import { LineChart } from './line_chart.js';
import { withAlpha } from './palette.js';

function bandSeries(color) {
  return [
    { label: '85th percentile', color: withAlpha(color, 0.6), width: 1 },
    { label: '15th percentile', color: withAlpha(color, 0.6), width: 1 },
    { label: 'median', color, width: 2 },
  ];
}

export class BandChart {
  #chart;
  #color;
  constructor(el, { color, xLabel = 'training step', yLabel = 'activation value', height } = {}) {
    this.#color = color;
    this.#chart = new LineChart(el, {
      xLabel,
      yLabel,
      height,
      series: bandSeries(color),
      bands: [{ upper: 0, lower: 1, fill: withAlpha(color, 0.18) }],
    });
  }
  append(points) {
    this.#chart.append(points.map((p) => [p.step, p.p85, p.p15, p.p50]));
  }
  reset() {
    this.#chart.reset();
  }
  snapshot() {
    return this.#chart.snapshot();
  }
  get canvas() {
    return this.#chart.canvas;
  }
  restyle(color = this.#color) {
    this.#color = color;
    this.#chart.restyle({ series: bandSeries(color), bands: [{ upper: 0, lower: 1, fill: withAlpha(color, 0.18) }] });
  }
  destroy() {
    this.#chart.destroy();
  }
}
