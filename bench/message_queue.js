// Messages from a worker, taken one at a time: next(seconds) resolves to the next message,
// or to {type: 'timeout'} when none arrives in time. Used in Node and in the browser.
export class MessageQueue {
  #messages = [];
  #waiting = null;

  push(message) {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve(message);
    } else {
      this.#messages.push(message);
    }
  }

  next(seconds) {
    if (this.#messages.length) return Promise.resolve(this.#messages.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        resolve({ type: 'timeout' });
      }, seconds * 1000);
      this.#waiting = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }
}
