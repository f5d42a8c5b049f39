/**
 * Order id → pool slot, as an open-addressing hash table (linear probing, backward-shift
 * deletion, so no tombstones accumulate) over typed arrays: no allocation per insert or delete,
 * unlike a Map whose backing store churns under a steady insert/delete stream. Ids are
 * non-negative safe integers; slots are non-negative int32. Load factor kept ≤ 1/2.
 */
const EMPTY = -1;

export class IdMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private shift: number;
  size = 0;

  constructor(capacity = 1 << 14) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Float64Array(n);
    this.vals = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
    this.shift = 32 - Math.log2(n);
  }

  private home(id: number): number {
    const lo = id >>> 0;
    const hi = (id / 4294967296) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  /** The slot of `id`, or -1. */
  get(id: number): number {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const v = vals[i]!;
      if (v === EMPTY) return EMPTY;
      if (keys[i] === id) return v;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== EMPTY;
  }

  /** Inserts a new id (the caller guarantees it is absent). */
  set(id: number, slot: number): void {
    if ((this.size + 1) * 2 > this.vals.length) this.grow();
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.home(id);
    while (vals[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = id;
    vals[i] = slot;
    this.size++;
  }

  delete(id: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.home(id);
    for (; ; i = (i + 1) & mask) {
      if (vals[i] === EMPTY) return false;
      if (keys[i] === id) break;
    }
    // backward shift: pull later members of the probe run into the hole when their home allows
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (vals[j] === EMPTY) break;
      const k = this.home(keys[j]!);
      const movable = i <= j ? k <= i || k > j : k <= i && k > j;
      if (movable) {
        keys[i] = keys[j]!;
        vals[i] = vals[j]!;
        i = j;
      }
    }
    vals[i] = EMPTY;
    this.size--;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const n = oldVals.length * 2;
    this.keys = new Float64Array(n);
    this.vals = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
    this.shift = 32 - Math.log2(n);
    this.size = 0;
    for (let i = 0; i < oldVals.length; i++) if (oldVals[i] !== EMPTY) this.set(oldKeys[i]!, oldVals[i]!);
  }
}
