import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/seededRandom.ts';
import { IdMap } from './idMap.ts';

describe('IdMap', () => {
  it('behaves like a Map under random inserts and deletes, across growth, with ids up to 2^53 - 1', () => {
    const rnd = seededRandom(1);
    const m = new IdMap(4);
    const ref = new Map<number, number>();
    const pool: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const r = rnd();
      if (r < 0.55 || pool.length === 0) {
        const id = rnd() < 0.1 ? Number.MAX_SAFE_INTEGER - Math.floor(rnd() * 1e6) : rnd() < 0.5 ? Math.floor(rnd() * 5000) : Math.floor(rnd() * 2 ** 40);
        if (ref.has(id)) continue;
        m.set(id, i);
        ref.set(id, i);
        pool.push(id);
      } else {
        const k = Math.floor(rnd() * pool.length);
        const id = pool[k]!;
        pool[k] = pool[pool.length - 1]!;
        pool.pop();
        expect(m.delete(id)).toBe(ref.delete(id));
      }
      if (i % 1000 === 0) {
        expect(m.size).toBe(ref.size);
        for (const [id, v] of ref) expect(m.get(id)).toBe(v);
        expect(m.get(123456789)).toBe(ref.get(123456789) ?? -1);
      }
    }
    expect(m.delete(-5)).toBe(false);
  });
});
