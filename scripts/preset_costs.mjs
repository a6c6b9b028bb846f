// Writes web/generated/presets.json: what each preset costs (parameters, training FLOPs per
// sample, layers), measured by building every model once with the engine itself, so the page
// can show a preset's cost before anyone starts it. Run after the wasm build (build.sh does).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../wasm/index.js';

const nl = await loadEngine();
const presets = nl.presets.map((preset) => {
  const model = nl.createModel({ preset, norm: 'batch', seed: 1 });
  const { parameters, trainingFlops, layers } = model.info;
  model.dispose();
  return { preset, description: nl.presetDescriptions?.[preset] ?? '', parameters, trainingFlops, layers: layers.length };
});
const out = new URL('../web/generated/', import.meta.url);
mkdirSync(fileURLToPath(out), { recursive: true });
const doc = { generator: 'scripts/preset_costs.mjs', engine: nl.version, norm: 'batch', presets };
writeFileSync(fileURLToPath(new URL('presets.json', out)), `${JSON.stringify(doc, null, 1)}\n`);
console.log(`preset_costs: ${presets.length} presets written to web/generated/presets.json`);
