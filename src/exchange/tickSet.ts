/**
 * The set of occupied price levels of one book side, as a two-level bitset over tick offsets:
 * one bit per tick, and one summary bit per 32-tick word that is non-zero. Finding the next
 * occupied level after the best one empties costs a few `Math.clz32` calls instead of a walk over
 * empty ticks, so a sparse book (a few levels far apart) is as cheap as a dense one.
 */
export class TickSet {
  readonly size: number;
  private readonly words: Int32Array;
  private readonly summary: Int32Array;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size <= 0 || size % 1024 !== 0) {
      throw new RangeError(`tick range must be a positive multiple of 1024, got ${size}`);
    }
    this.size = size;
    this.words = new Int32Array(size >>> 5);
    this.summary = new Int32Array(size >>> 10);
  }

  add(t: number): void {
    const w = t >>> 5;
    this.words[w]! |= 1 << (t & 31);
    this.summary[w >>> 5]! |= 1 << (w & 31);
  }

  remove(t: number): void {
    const w = t >>> 5;
    const v = this.words[w]! & ~(1 << (t & 31));
    this.words[w] = v;
    if (v === 0) this.summary[w >>> 5]! &= ~(1 << (w & 31));
  }

  has(t: number): boolean {
    return (this.words[t >>> 5]! & (1 << (t & 31))) !== 0;
  }

  /** Lowest member ≥ t, or -1. */
  lowestAtOrAbove(t: number): number {
    if (t < 0) t = 0;
    if (t >= this.size) return -1;
    const words = this.words;
    let w = t >>> 5;
    const m = words[w]! & (-1 << (t & 31));
    if (m !== 0) return (w << 5) + ctz(m);
    w++;
    const nWords = words.length;
    if (w >= nWords) return -1;
    const summary = this.summary;
    let s = w >>> 5;
    let sm = summary[s]! & (-1 << (w & 31));
    while (sm === 0) {
      if (++s >= summary.length) return -1;
      sm = summary[s]!;
    }
    w = (s << 5) + ctz(sm);
    return (w << 5) + ctz(words[w]!);
  }

  /** Highest member ≤ t, or -1. */
  highestAtOrBelow(t: number): number {
    if (t < 0) return -1;
    if (t >= this.size) t = this.size - 1;
    const words = this.words;
    let w = t >>> 5;
    const m = words[w]! & (-1 >>> (31 - (t & 31)));
    if (m !== 0) return (w << 5) + 31 - Math.clz32(m);
    if (--w < 0) return -1;
    const summary = this.summary;
    let s = w >>> 5;
    let sm = summary[s]! & (-1 >>> (31 - (w & 31)));
    while (sm === 0) {
      if (--s < 0) return -1;
      sm = summary[s]!;
    }
    w = (s << 5) + 31 - Math.clz32(sm);
    return (w << 5) + 31 - Math.clz32(words[w]!);
  }
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}
