// Exponential moving average with bias correction (as TensorBoard smooths loss curves): the
// first values are not pulled towards 0. beta = 0.95 averages over roughly 1/(1−beta) = 20
// steps. Non-finite inputs are passed through as they are and do not enter the average.
export class Smoother {
  #beta;
  #avg = 0;
  #count = 0;
  constructor(beta = 0.95) {
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`Smoother: beta must be in [0, 1), got ${beta}`);
    this.#beta = beta;
  }
  push(v) {
    if (!Number.isFinite(v)) return v;
    this.#avg = this.#beta * this.#avg + (1 - this.#beta) * v;
    this.#count += 1;
    return this.#avg / (1 - this.#beta ** this.#count);
  }
  reset() {
    this.#avg = 0;
    this.#count = 0;
  }
}
