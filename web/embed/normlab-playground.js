// <normlab-playground>: the playground in a host page, loaded with one script tag:
//   <script type="module" src=".../web/embed/normlab-playground.js"></script>
//   <normlab-playground preset="tiny" norms="batch,layer-sample" batch="2" controls="batch,norm" height="480">
// It renders an iframe of the playground page (index.html next to web/, found from this
// module's own URL) in its compact layout (#embed=1), with the attributes written into the
// page's URL hash. So it needs nothing from the host: no COOP/COEP headers, no blob: workers,
// no inline script or style (it styles through the CSSOM, which CSP allows), and it works under
// `script-src 'self' 'wasm-unsafe-eval'`. The iframe's src is set only once the element is
// scrolled near the view, so a page with several elements loads them one by one; when it
// leaves the view the page inside pauses training, and resumes when it comes back.
// Attributes are checked with the page's own rules (web/state.js); a bad one shows a message
// inside the element naming it, and nothing is loaded.
import { findExperiment } from '../experiments.js';
import { parseField } from '../state.js';

// attribute → URL-hash field of the page. `preset` may also name an experiment
// ("bn-vs-ln-small-batch", "batch-sweep/mlp"): the page then loads its settings.
const FIELD_OF = {
  experiment: 'experiment',
  preset: 'preset',
  norms: 'norms',
  batch: 'batch',
  lr: 'lr',
  optimizer: 'optimizer',
  momentum: 'momentum',
  seed: 'seed',
  'bn-momentum': 'bnMomentum',
  epochs: 'epochs',
  augment: 'augment',
  view: 'view',
  controls: 'controls',
  panels: 'panels',
};
const HEIGHT = { default: 480, min: 240, max: 2000 };
const PAGE = new URL('../../index.html', import.meta.url);

// The iframe's URL for the element's attributes, or {errors} naming each bad attribute.
export function embedUrl(attributes, page = PAGE) {
  const errors = [];
  const parts = ['embed=1'];
  for (const [attr, field] of Object.entries(FIELD_OF)) {
    const raw = attributes[attr];
    if (raw === undefined || raw === null) continue;
    const key = attr === 'preset' && findExperiment(String(raw).trim()) ? 'experiment' : field;
    if (key !== field && attributes.experiment != null) {
      errors.push(`preset="${raw}" names an experiment, and experiment="${attributes.experiment}" names another; give one`);
      continue;
    }
    const r = parseField(key, raw);
    if ('error' in r) errors.push(`${attr}="${raw}" ${r.error}`);
    else parts.push(`${key}=${encodeURIComponent(String(raw).trim()).replace(/%2C/g, ',').replace(/%3A/g, ':')}`);
  }
  let height = HEIGHT.default;
  if (attributes.height !== undefined && attributes.height !== null) {
    const h = String(attributes.height).trim().replace(/px$/, '');
    height = /^\d+$/.test(h) ? Number(h) : NaN;
    if (!(height >= HEIGHT.min && height <= HEIGHT.max)) errors.push(`height="${attributes.height}" must be a whole number of pixels from ${HEIGHT.min} to ${HEIGHT.max}`);
  }
  if (errors.length) return { errors };
  const url = new URL(page);
  url.hash = parts.join('&');
  return { url: url.href, height };
}

export class NormlabPlayground extends HTMLElement {
  static observedAttributes = [...Object.keys(FIELD_OF), 'height', 'src', 'title'];
  #observer = null;
  #frame = null;
  #url = null;
  #visible = false;
  #queued = false;

  connectedCallback() {
    this.#schedule();
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#observer = null;
  }

  attributeChangedCallback() {
    if (this.isConnected) this.#schedule();
  }

  // An upgrade reports every attribute one by one: build the iframe once, after all of them.
  #schedule() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      if (this.isConnected) this.#render();
    });
  }

  #render() {
    this.#observer?.disconnect();
    this.#frame = null;
    const attributes = {};
    for (const name of [...Object.keys(FIELD_OF), 'height']) attributes[name] = this.getAttribute(name);
    const src = this.getAttribute('src');
    const { url, height, errors } = embedUrl(attributes, src ? new URL(src, document.baseURI) : PAGE);
    this.style.display = 'block';
    if (errors) {
      this.replaceChildren(this.#message(errors));
      return;
    }
    this.#url = url;
    const frame = document.createElement('iframe');
    frame.title = this.getAttribute('title') || 'normlab: normalization playground';
    frame.loading = 'lazy';
    frame.style.width = '100%';
    frame.style.height = `${height}px`;
    frame.style.border = '0';
    frame.style.display = 'block';
    this.#frame = frame;
    this.replaceChildren(frame);
    // Load when near the view; afterwards tell the page whether it is on screen.
    this.#observer = new IntersectionObserver((entries) => this.#onIntersect(entries[entries.length - 1]), { rootMargin: '100px 0px' });
    this.#observer.observe(this);
  }

  #onIntersect(entry) {
    const frame = this.#frame;
    if (!frame) return;
    this.#visible = entry.isIntersecting;
    if (this.#visible && !frame.getAttribute('src')) {
      frame.src = this.#url;
      return;
    }
    if (frame.getAttribute('src')) {
      frame.contentWindow?.postMessage({ type: 'normlab-visibility', visible: this.#visible }, new URL(this.#url).origin);
    }
  }

  #message(errors) {
    const box = document.createElement('div');
    box.setAttribute('role', 'alert');
    box.className = 'normlab-playground-error';
    box.style.border = '2px solid #c0461a';
    box.style.borderRadius = '8px';
    box.style.padding = '8px 12px';
    const title = document.createElement('p');
    title.textContent = 'This normlab playground was not started because of its attributes:';
    title.style.margin = '0 0 4px';
    title.style.fontWeight = '600';
    const list = document.createElement('ul');
    list.style.margin = '0';
    for (const e of errors) {
      const li = document.createElement('li');
      li.textContent = e;
      list.append(li);
    }
    box.append(title, list);
    return box;
  }
}

if (!customElements.get('normlab-playground')) customElements.define('normlab-playground', NormlabPlayground);
