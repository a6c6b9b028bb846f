// The settings form: shows a state, checks what the user types with the same rules as the URL
// (web/state.js), marks a bad value next to its control and never passes it on. Emits
// onChange(key, value) for one valid change.
import { parseField, MAX_RUNS } from '../state.js';
import { h, swatch } from './dom.js';
import { formatFlops, normLabel } from './explain.js';
import { RUN_DASHES, RUN_NAMES, runColor } from '../charts/palette.js';

export const NORM_CHOICES = ['none', 'batch', 'layer-channels', 'layer-sample', 'group:2', 'instance'];
const SMALL_PRESETS = ['tiny', 'vgg-mini', 'resnet-mini', 'convnext-mini', 'mlp', 'mlp-relu'];
const FIELD_KEYS = ['batch', 'lr', 'optimizer', 'momentum', 'bnMomentum', 'seed', 'epochs'];

export class Controls {
  #form;
  #onChange;
  #state = null;
  #presets = null;
  #costs = new Map();

  constructor(form, { onChange }) {
    this.#form = form;
    this.#onChange = onChange;
    form.addEventListener('submit', (e) => e.preventDefault());
    form.querySelector('#preset').addEventListener('change', (e) => this.#commit('preset', e.target.value, e.target));
    for (const key of FIELD_KEYS) {
      const input = form.querySelector(`#${key}`);
      input.addEventListener('change', () => this.#commit(key, input.value, input));
    }
    const augment = form.querySelector('#augment');
    augment.addEventListener('change', () => this.#onChange('augment', augment.checked ? 1 : 0));
    form.querySelector('#add-run').addEventListener('click', () => {
      if (this.#state.norms.length < MAX_RUNS) this.#onChange('norms', [...this.#state.norms, 'group:2']);
    });
  }

  // The engine's preset names (known once a worker has loaded it).
  setPresets(presets) {
    this.#presets = presets;
    if (this.#state) this.render(this.#state);
  }

  // What each preset costs (scripts/preset_costs.mjs), shown in the preset menu.
  setCosts(costs) {
    this.#costs = costs;
    if (this.#state) this.render(this.#state);
  }

  render(state) {
    this.#state = state;
    const f = this.#form;
    this.#renderPresets(state.preset);
    for (const key of FIELD_KEYS) {
      const input = f.querySelector(`#${key}`);
      input.value = String(state[key]);
      this.#clearError(key, input);
    }
    f.querySelector('#augment').checked = state.augment === 1;
    // Momentum only matters to SGD; Adam has its own beta1.
    f.querySelector('#momentum').disabled = state.optimizer !== 'sgd';
    f.querySelector('#bnMomentum').disabled = !state.norms.includes('batch');
    this.#renderNorms(state.norms);
    f.querySelector('#add-run').disabled = state.norms.length >= MAX_RUNS;
  }

  #renderPresets(current) {
    const select = this.#form.querySelector('#preset');
    const names = this.#presets ?? [current];
    const option = (p) => {
      const cost = this.#costs.get(p);
      const label = cost ? `${p} (${formatFlops(cost.trainingFlops)})` : p;
      return h('option', { value: p, selected: p === current }, label);
    };
    const small = names.filter((p) => SMALL_PRESETS.includes(p));
    const large = names.filter((p) => !SMALL_PRESETS.includes(p));
    select.replaceChildren(
      ...(small.length ? [h('optgroup', { label: 'Small: train in seconds' }, small.map(option))] : []),
      ...(large.length ? [h('optgroup', { label: 'Larger: slow in a browser' }, large.map(option))] : []),
    );
    select.value = current;
  }

  #renderNorms(norms) {
    const box = this.#form.querySelector('#norm-list');
    box.replaceChildren(
      ...norms.map((norm, i) => {
        const id = `norm-${i}`;
        const choices = NORM_CHOICES.includes(norm) ? NORM_CHOICES : [...NORM_CHOICES, norm];
        const select = h(
          'select',
          { id, name: id, 'aria-describedby': `${id}-hint` },
          choices.map((n) => h('option', { value: n, selected: n === norm }, normLabel(n))),
        );
        select.addEventListener('change', () => {
          const next = [...this.#state.norms];
          next[i] = select.value;
          this.#onChange('norms', next);
        });
        const remove =
          norms.length > 1
            ? h('button', { type: 'button', class: 'small icon', 'aria-label': `Remove run ${RUN_NAMES[i]}`, title: `Remove run ${RUN_NAMES[i]}`, onclick: () => this.#onChange('norms', norms.filter((_, j) => j !== i)) }, '×')
            : null;
        return h(
          'div',
          { class: 'norm-row' },
          h('label', { for: id }, swatch(runColor(i), RUN_DASHES[i]), ` Run ${RUN_NAMES[i]}`),
          select,
          remove,
          h('span', { id: `${id}-hint`, class: 'visually-hidden' }, `Normalization used by run ${RUN_NAMES[i]}`),
        );
      }),
    );
  }

  #commit(key, raw, input) {
    const r = parseField(key, raw);
    if ('error' in r) {
      input.setAttribute('aria-invalid', 'true');
      const msg = this.#form.querySelector(`#${key}-error`);
      if (msg) {
        msg.textContent = `${input.labels?.[0]?.textContent.trim() ?? key} ${r.error}; the value in use is still ${this.#state[key]}.`;
        msg.hidden = false;
      }
      return;
    }
    this.#clearError(key, input);
    if (key === 'preset' && this.#presets && !this.#presets.includes(r.value)) return;
    if (r.value !== this.#state[key]) this.#onChange(key, r.value);
  }

  #clearError(key, input) {
    input.removeAttribute('aria-invalid');
    const msg = this.#form.querySelector(`#${key}-error`);
    if (msg) {
      msg.hidden = true;
      msg.textContent = '';
    }
  }
}
