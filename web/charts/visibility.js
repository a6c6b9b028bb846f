// Whether an element is shown near the viewport: rendered (not inside a hidden view, display:
// none) and within a screen of the visible area. Charts wait to draw until it is, so those far
// down the page cost nothing while the runs train, and are drawn a screen before they scroll
// into view. onChange(shown) runs with the first observation and on each change; returns the
// observer (disconnect() it when done).
export function observeShown(el, onChange) {
  // The margin is one viewport on each side; display: none is never in view.
  const observer = new IntersectionObserver((entries) => onChange(entries.at(-1).isIntersecting), { rootMargin: '100%' });
  observer.observe(el);
  return observer;
}
