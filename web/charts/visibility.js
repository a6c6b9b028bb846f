// Whether an element is rendered, i.e. not inside a hidden view (display: none): charts wait
// to draw until it is. onChange(shown) runs with the first observation and on each change;
// returns the observer (disconnect() it when done).
export function observeShown(el, onChange) {
  // A margin this wide counts anything rendered as in view; display: none is never in view.
  const observer = new IntersectionObserver((entries) => onChange(entries.at(-1).isIntersecting), { rootMargin: '100%' });
  observer.observe(el);
  return observer;
}
