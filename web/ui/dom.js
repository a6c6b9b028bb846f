// A tiny element builder. Attributes only (never inline styles: the page runs under a CSP
// without 'unsafe-inline'); children may be strings, nodes, null or arrays of them.
export function h(tag, attrs = {}, ...children) {
  const svg = tag === 'svg' || tag === 'line';
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// A short line in the run's colour and dash pattern, as a legend key.
export function swatch(color, dash) {
  return h(
    'svg',
    { class: 'swatch', width: 36, height: 10, viewBox: '0 0 36 10', 'aria-hidden': 'true' },
    h('line', { x1: 1, y1: 5, x2: 35, y2: 5, stroke: color, 'stroke-width': 3, 'stroke-dasharray': dash.length ? dash.join(' ') : null }),
  );
}
