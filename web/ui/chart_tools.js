// A small toolbar for a chart's <figure>: "Table" shows or hides the chart's numbers as a table
// under the chart (aria-expanded), and "PNG", "SVG" and "CSV" download it.
//   addChartTools(figure, getSnapshot, getCanvas, name, overrides = {})
//     getSnapshot() → a LineChart snapshot (web/charts/export.js); the figure's heading becomes
//       its title when it has none. getCanvas() → the canvas to save as PNG (or null).
//     name: what the files are called ("training loss" → normlab-training-loss.csv).
//     overrides: for charts that are not line charts (getSnapshot may then be null):
//       {table() → Node, svg(theme) → string, csv() → string}.
//   Returns {refresh(), destroy()}. The open table does not follow the data by itself (a
//   screen reader would lose its place); refresh() redraws it, e.g. when training pauses.
// The heading and the toolbar share one row (wrapping on a phone); a download that fails
// says why in a line under the toolbar.
import { SVG_THEMES, download, fileSlug, toCSV, toPNG, toSVG } from '../charts/export.js';
import { renderTable } from '../charts/table_view.js';
import { h } from './dom.js';

let toolsCount = 0;

function pageTheme() {
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  const base = dark ? SVG_THEMES.dark : SVG_THEMES.light;
  const css = getComputedStyle(document.documentElement);
  const read = (prop, fallback) => css.getPropertyValue(prop).trim() || fallback;
  return {
    dark,
    theme: { background: read('--card', base.background), text: read('--fg', base.text), muted: read('--fg-muted', base.muted), grid: read('--grid', base.grid) },
  };
}

export function addChartTools(figure, getSnapshot, getCanvas, name, overrides = {}) {
  const id = `chart-table-${++toolsCount}`;
  const file = `normlab-${fileSlug(name)}`;
  const heading = figure.querySelector('h1, h2, h3, h4, h5, h6');
  const snapshot = () => {
    const s = getSnapshot();
    return s.title || !heading ? s : { ...s, title: heading.textContent.trim() };
  };
  const status = h('p', { class: 'chart-tools-status', role: 'status', hidden: true });
  const say = (text) => {
    status.textContent = text;
    status.hidden = !text;
  };
  const run = (what, fn) => async () => {
    say('');
    try {
      await fn();
    } catch (e) {
      say(`Could not save the ${what}: ${e.message}`);
    }
  };

  const title = heading ? heading.textContent.trim() : name;
  // A scrolling box must take focus, or keyboard users cannot scroll it.
  const tableBox = h('div', { class: 'chart-table', id, hidden: true, tabindex: 0, role: 'region', 'aria-label': `Numbers of ${title}` });
  const renderInto = () => tableBox.replaceChildren(overrides.table ? overrides.table() : renderTable(snapshot()));
  const tableButton = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': id }, 'Table');
  tableButton.addEventListener('click', () => {
    const open = tableBox.hidden;
    if (open) renderInto();
    tableBox.hidden = !open;
    tableButton.setAttribute('aria-expanded', String(open));
  });

  const button = (label, what, fn) => {
    const b = h('button', { type: 'button', class: 'small', 'aria-label': `Download ${what}` }, label);
    b.addEventListener('click', run(what, fn));
    return b;
  };
  const what = heading ? `“${title}”` : 'the chart';
  const tools = h(
    'div',
    { class: 'chart-tools', role: 'group', 'aria-label': `Table and downloads for ${title}` },
    tableButton,
    button('PNG', `${what} as a PNG image`, async () => {
      const canvas = getCanvas();
      if (!canvas) throw new Error('the chart has not been drawn yet');
      const { theme } = pageTheme();
      // A line chart's PNG gets its title and legend, which uPlot keeps outside the canvas.
      const s = getSnapshot ? snapshot() : null;
      const png = await toPNG(canvas, { background: theme.background, text: theme.text, title: s?.title ?? '', series: s?.series ?? [] });
      download(`${file}.png`, png, 'image/png');
    }),
    button('SVG', `${what} as an SVG image`, () => {
      const { dark, theme } = pageTheme();
      const svg = overrides.svg ? overrides.svg(theme) : toSVG(snapshot(), { dark, theme });
      download(`${file}.svg`, svg, 'image/svg+xml');
    }),
    button('CSV', `the numbers of ${what} as CSV`, () => {
      download(`${file}.csv`, overrides.csv ? overrides.csv() : toCSV(snapshot()), 'text/csv');
    }),
  );

  // Heading and toolbar in one row: move the heading into a wrapper where it stood.
  let head = null;
  if (heading) {
    head = h('div', { class: 'chart-head' });
    heading.replaceWith(head);
    head.append(heading, tools);
  } else {
    figure.prepend(tools);
  }
  (head ?? tools).after(status);
  // The table goes right under the chart, above its caption.
  const anchor = figure.querySelector('.chart') ?? figure.querySelector('figcaption')?.previousElementSibling;
  if (anchor) anchor.after(tableBox);
  else figure.append(tableBox);

  return {
    refresh() {
      if (!tableBox.hidden) renderInto();
    },
    destroy() {
      tableBox.remove();
      status.remove();
      if (head) head.replaceWith(heading);
      else tools.remove();
    },
  };
}
