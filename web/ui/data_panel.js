// The "Data" controls: which digits the runs train and test on. The bundled MNIST subset by
// default; or four IDX files the user chooses or drops, checked here by size and header (see
// idx_files.js) before they are read, then by the engine in every worker. Calls
// onFiles({trainImages, trainLabels, testImages, testLabels}: Uint8Arrays, names) or
// onBundled(); shows what the workers report through `inUse` and `refused`.
import { h } from './dom.js';
import { formatCount } from './explain.js';
import { checkFileSizes, HEADER_BYTES, pairIdxFiles, readIdxHeader } from './idx_files.js';

// The first bytes of a file, decompressed when it is gzipped (only as much as needed).
async function firstBytes(file) {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (head[0] !== 0x1f || head[1] !== 0x8b) return new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts = [];
  let got = 0;
  try {
    while (got < HEADER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
    }
  } catch (e) {
    throw new Error(`${file.name} starts like a gzip file but does not decompress (${e.message})`);
  } finally {
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(got);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.slice(0, HEADER_BYTES);
}

export class DataPanel {
  #status;
  #error;
  #back;
  #input;
  #busy = false;
  #onFiles;
  #onBundled;

  constructor(fieldset, { onFiles, onBundled }) {
    this.#onFiles = onFiles;
    this.#onBundled = onBundled;
    this.#status = h('p', { class: 'hint', id: 'data-status', 'aria-live': 'polite' }, 'The bundled MNIST subset: 8,000 training and 2,000 test digits.');
    this.#error = h('p', { class: 'field-error', id: 'data-error', role: 'alert', hidden: true });
    this.#input = h('input', { type: 'file', id: 'data-files', multiple: true, accept: '.gz,.idx,.idx1-ubyte,.idx3-ubyte,application/gzip,application/octet-stream', 'aria-describedby': 'data-help data-error' });
    this.#input.addEventListener('change', () => {
      const files = [...(this.#input.files ?? [])];
      this.#input.value = '';
      if (files.length) this.#choose(files);
    });
    this.#back = h('button', { type: 'button', class: 'small', id: 'data-bundled', hidden: true, onclick: () => this.#useBundled() }, 'Back to the bundled digits');
    fieldset.append(
      this.#status,
      h('label', { for: 'data-files', class: 'data-pick' }, 'Your own IDX files (4, gzipped or not):'),
      this.#input,
      h('p', { class: 'hint', id: 'data-help' }, 'Or drop them here: training and test images and labels, as MNIST and Fashion-MNIST ship them. They stay on this device.'),
      this.#error,
      this.#back,
    );
    fieldset.addEventListener('dragover', (e) => {
      e.preventDefault();
      fieldset.classList.add('drop-target');
    });
    fieldset.addEventListener('dragleave', () => fieldset.classList.remove('drop-target'));
    fieldset.addEventListener('drop', (e) => {
      e.preventDefault();
      fieldset.classList.remove('drop-target');
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) this.#choose(files);
    });
  }

  async #choose(files) {
    if (this.#busy) return;
    this.#busy = true;
    this.#showError('');
    try {
      const sizeProblem = checkFileSizes(files);
      if (sizeProblem) throw new Error(sizeProblem);
      const described = [];
      for (const f of files) {
        const header = readIdxHeader(await firstBytes(f), f.name);
        if (header.error) throw new Error(header.error);
        described.push({ name: f.name, size: f.size, header });
      }
      const pairs = pairIdxFiles(described);
      if (pairs.error) throw new Error(pairs.error);
      this.#status.textContent = 'Reading the files…';
      const read = async (i) => new Uint8Array(await files[i].arrayBuffer());
      const chosen = {
        trainImages: await read(pairs.trainImages),
        trainLabels: await read(pairs.trainLabels),
        testImages: await read(pairs.testImages),
        testLabels: await read(pairs.testLabels),
      };
      const names = Object.fromEntries(Object.entries(pairs).map(([k, i]) => [k, files[i].name]));
      this.#status.textContent = 'Checking the files…';
      this.#onFiles(chosen, names);
    } catch (e) {
      this.#showError(`Your files were not used: ${e.message}.`);
    } finally {
      this.#busy = false;
    }
  }

  #useBundled() {
    this.#showError('');
    this.#onBundled();
  }

  // What the workers now train on ('data' event): source 'bundled' or 'files'.
  inUse({ source, train, test }, names = null) {
    const counts = `${formatCount(train.count)} training and ${formatCount(test.count)} test images of ${train.height}×${train.width}`;
    this.#status.textContent = source === 'files' && names ? `Your files: ${counts} (${names.trainImages}, ${names.testImages}).` : `The bundled MNIST subset: ${counts}.`;
    this.#back.hidden = source !== 'files';
  }

  refused(message) {
    this.#showError(`Your files were not used: ${message}`);
  }

  #showError(text) {
    this.#error.textContent = text;
    this.#error.hidden = !text;
  }
}
