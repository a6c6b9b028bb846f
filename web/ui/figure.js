// A chart's <figure>: heading, the element the chart draws into, a caption, and (once the
// chart exists) the table/PNG/SVG/CSV toolbar of web/ui/chart_tools.js.
import { addChartTools } from './chart_tools.js';
import { h } from './dom.js';

// id: the figure's base id (the chart element gets it; heading and caption derive from it).
// view: the run-panel tab the figure belongs to (a class view-<name>), if any.
export function chartFigure(id, title, caption, { heading = 'h4', extra = null, view = null } = {}) {
  const chart = h('div', { class: 'chart', id });
  const fig = h(
    'figure',
    { class: `chart-figure${view ? ` view-${view}` : ''}`, 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-caption` },
    h(heading, { id: `${id}-title` }, title),
    extra,
    chart,
    h('figcaption', { id: `${id}-caption` }, caption),
  );
  return { fig, chart };
}

// Adds the toolbar for a LineChart (or BandChart) drawn in `fig`; `name` names the files.
export function lineChartTools(fig, chart, name) {
  return addChartTools(fig, () => chart.snapshot(), () => chart.canvas, name);
}
