// Columns of numbers sharing one sorted x column: what a chart holds before it is drawn.
// Rows are upserted by x, so runs that report the same step asynchronously land in the same
// row; a missing value is NaN. Appending at the end is O(1) amortized; a row that arrives a
// little late (a lagging run) is inserted by shifting the short tail after it.
export class SeriesTable {
  #x;
  #cols;
  #length = 0;

  constructor(seriesCount, capacity = 1024) {
    this.#x = new Float64Array(capacity);
    this.#cols = Array.from({ length: seriesCount }, () => new Float64Array(capacity).fill(NaN));
  }

  get length() {
    return this.#length;
  }
  get seriesCount() {
    return this.#cols.length;
  }
  // Views of the filled part (valid until the next upsert).
  get x() {
    return this.#x.subarray(0, this.#length);
  }
  column(i) {
    return this.#cols[i].subarray(0, this.#length);
  }

  // row: [x, y0, y1, …]; null/undefined leaves that series' value as it was.
  upsert(row) {
    const x = row[0];
    const i = this.#indexFor(x);
    for (let s = 0; s < this.#cols.length; ++s) {
      const y = row[s + 1];
      if (y !== null && y !== undefined) this.#cols[s][i] = y;
    }
  }

  clear() {
    this.#length = 0;
  }

  // Forgets one series (e.g. a restarted run) and drops rows left with no value at all.
  clearSeries(s) {
    this.#cols[s].fill(NaN);
    let w = 0;
    for (let r = 0; r < this.#length; ++r) {
      if (!this.#cols.some((c) => !Number.isNaN(c[r]))) continue;
      this.#x[w] = this.#x[r];
      for (const c of this.#cols) c[w] = c[r];
      ++w;
    }
    for (const c of this.#cols) c.fill(NaN, w);
    this.#length = w;
  }

  #indexFor(x) {
    const n = this.#length;
    if (n === 0 || x > this.#x[n - 1]) return this.#insertAt(n, x);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#x[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && this.#x[lo] === x ? lo : this.#insertAt(lo, x);
  }

  #insertAt(i, x) {
    if (this.#length === this.#x.length) this.#grow();
    const n = this.#length;
    this.#x.copyWithin(i + 1, i, n);
    this.#x[i] = x;
    for (const c of this.#cols) {
      c.copyWithin(i + 1, i, n);
      c[i] = NaN;
    }
    this.#length = n + 1;
    return i;
  }

  #grow() {
    const cap = this.#x.length * 2;
    const x = new Float64Array(cap);
    x.set(this.#x);
    this.#x = x;
    this.#cols = this.#cols.map((c) => {
      const d = new Float64Array(cap).fill(NaN);
      d.set(c);
      return d;
    });
  }
}
