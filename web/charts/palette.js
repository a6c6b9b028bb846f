// Colours and line styles. Runs: Okabe–Ito colours (distinguishable with the common forms of
// colour blindness), each run also with its own dash pattern so they differ without colour.
// Dark backgrounds get the lighter members of the same palette.
const RUN_LIGHT = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];
const RUN_DARK = ['#56B4E9', '#E69F00', '#2BC79A', '#E4A5C9'];
export const RUN_DASHES = [[], [10, 5], [2, 4], [12, 4, 2, 4]];
export const RUN_DASH_NAMES = ['solid line', 'dashed line', 'dotted line', 'dash-dot line'];
export const RUN_NAMES = ['A', 'B', 'C', 'D'];

// Many channels cannot all be told apart; cycling the palette keeps neighbours distinct.
const CHANNEL_LIGHT = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999933'];
const CHANNEL_DARK = ['#56B4E9', '#E69F00', '#2BC79A', '#E4A5C9', '#F0E442', '#0072B2', '#DDDDDD', '#D55E00'];

export function prefersDark() {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}
export function runColor(i, dark = prefersDark()) {
  return (dark ? RUN_DARK : RUN_LIGHT)[i % RUN_LIGHT.length];
}
export function channelColor(i, dark = prefersDark()) {
  return (dark ? CHANNEL_DARK : CHANNEL_LIGHT)[i % CHANNEL_LIGHT.length];
}
// "#rrggbb" with an alpha, for band fills.
export function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
