// Loads the safe-heap build (build/wasm-safe/dist) wherever the package would load its
// own wasm/dist build.
import { vi } from 'vitest';
import { loadSafeModule } from './safe_loader.js';

vi.mock('../../../wasm/loader.js', async (importOriginal) => ({
  ...(await importOriginal()),
  loadModule: loadSafeModule,
}));
