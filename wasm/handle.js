// Lifetime and error handling shared by every object of the JS face.
//  - call(): every call into the module goes through it. The bindings return a JS Error
//    instead of throwing (wasm/bindings.cpp); call() throws it. It also restores the wasm
//    stack pointer if anything (an Embind BindingError, say) escapes mid-call.
//  - Handle: owns one Embind object. dispose() (or `using`) frees it at once; a
//    FinalizationRegistry frees handles that were forgotten. Calls after dispose throw.

export function call(module, fn) {
  const sp = module.stackSave();
  try {
    const result = fn();
    if (result instanceof Error) throw result;
    return result;
  } catch (e) {
    module.stackRestore(sp);
    throw e;
  }
}

const registry = new FinalizationRegistry((box) => {
  if (!box.isDeleted()) box.delete();
});

const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

export class Handle {
  #box;
  #module;
  #name;

  constructor(module, box, name) {
    this.#module = module;
    this.#box = box;
    this.#name = name;
    registry.register(this, box, this);
  }

  // Runs fn(box) through call(); throws if this handle was disposed.
  _call(fn) {
    if (!this.#box) throw new Error(`${this.#name}: this object was disposed`);
    return call(this.#module, () => fn(this.#box));
  }

  get disposed() {
    return !this.#box;
  }

  dispose() {
    if (!this.#box) return;
    registry.unregister(this);
    this.#box.delete();
    this.#box = null;
  }

  [disposeSymbol]() {
    this.dispose();
  }
}

// Creates an Embind box and runs its initializer (create by default); frees the box if
// that fails.
export function createBox(module, BoxClass, args, init = 'create') {
  const box = new BoxClass();
  try {
    call(module, () => box[init](...args));
  } catch (e) {
    box.delete();
    throw e;
  }
  return box;
}
