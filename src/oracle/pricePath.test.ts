import { describe, expect, it } from 'vitest';
import { assetPaths, guardedSteps, knotTimesAfter, pathEnd, priceAt, toAnswer, withinBps } from './pricePath.ts';
import { InputError } from '../shared/errors.ts';

const crash = assetPaths([
  { t: 0, asset: 'WETH', price: 2000 },
  { t: 3600, asset: 'WETH', price: 1400 },
]);

describe('priceAt', () => {
  it('interpolates linearly between knots', () => {
    const p = crash[0]!;
    expect(priceAt(p, 0)).toBe(2000);
    expect(priceAt(p, 1800)).toBe(1700);
    expect(priceAt(p, 900)).toBe(1850);
    expect(priceAt(p, 3600)).toBe(1400);
  });

  it('is flat before the first knot and after the last', () => {
    const [p] = assetPaths([
      { t: 10, asset: 'WETH', price: 100 },
      { t: 20, asset: 'WETH', price: 50 },
    ]);
    expect(priceAt(p!, 0)).toBe(100);
    expect(priceAt(p!, 1e6)).toBe(50);
  });

  it('sorts knots given out of order and keeps assets apart', () => {
    const paths = assetPaths([
      { t: 300, asset: 'WETH', price: 800 },
      { t: 0, asset: 'WBTC', price: 60000 },
      { t: 0, asset: 'WETH', price: 2000 },
      { t: 100, asset: 'WBTC', price: 30000 },
    ]);
    const weth = paths.find((p) => p.asset === 'WETH')!;
    const wbtc = paths.find((p) => p.asset === 'WBTC')!;
    expect(priceAt(weth, 150)).toBe(1400);
    expect(priceAt(wbtc, 50)).toBe(45000);
    expect(pathEnd(paths)).toBe(300);
    expect(knotTimesAfter(paths, 0)).toEqual([100, 300]);
  });

  it('refuses two prices for one asset at one time, and non-positive prices', () => {
    expect(() => assetPaths([{ t: 5, asset: 'WETH', price: 1 }, { t: 5, asset: 'WETH', price: 2 }])).toThrow(InputError);
    expect(() => assetPaths([{ t: 5, asset: 'WETH', price: 0 }])).toThrow(/pricePath.0.price/);
    expect(() => assetPaths([{ t: -1, asset: 'WETH', price: 1 }])).toThrow(/pricePath.0.t/);
  });
});

describe('guardedSteps', () => {
  const walk = (from: bigint, to: bigint, bps: number) => {
    const steps = guardedSteps(from, to, bps);
    let prev = from;
    for (const s of steps) {
      expect(withinBps(prev, s, bps)).toBe(true);
      prev = s;
    }
    return steps;
  };

  it('is one step when the move is inside the guard', () => {
    expect(walk(toAnswer(2000), toAnswer(1600), 2400)).toEqual([toAnswer(1600)]);
    expect(walk(toAnswer(2000), toAnswer(1500), 2400).length).toBe(2); // 25% > 24%
  });

  it('splits a 60% fall under a 24% step limit into steps that each stay inside it and end exactly at the target', () => {
    const steps = walk(toAnswer(2000), toAnswer(800), 2400);
    expect(steps.length).toBe(4); // 0.76^3 = 0.44 > 0.4, 0.76^4 = 0.33 < 0.4
    expect(steps.at(-1)).toBe(toAnswer(800));
  });

  it('splits a rise too, and a 99% crash', () => {
    expect(walk(toAnswer(100), toAnswer(1000), 2400).at(-1)).toBe(toAnswer(1000));
    const crashSteps = walk(toAnswer(2000), toAnswer(20), 2400);
    expect(crashSteps.at(-1)).toBe(toAnswer(20));
    expect(crashSteps.length).toBeGreaterThan(10);
  });

  it('is empty when nothing moves and exact at the guard edge', () => {
    expect(guardedSteps(100n, 100n, 3000)).toEqual([]);
    expect(walk(10_000n, 7_000n, 3000)).toEqual([7_000n]);
    expect(walk(10_000n, 6_999n, 3000).length).toBe(2);
  });

  it('refuses non-positive answers and a guard outside (0, 10000)', () => {
    expect(() => guardedSteps(0n, 1n, 100)).toThrow(InputError);
    expect(() => guardedSteps(1n, 2n, 0)).toThrow(InputError);
    expect(() => guardedSteps(1n, 2n, 10_000)).toThrow(InputError);
  });
});

describe('toAnswer', () => {
  it('gives 8-decimal feed answers', () => {
    expect(toAnswer(1234.5)).toBe(123_450_000_000n);
    expect(toAnswer(1)).toBe(100_000_000n);
    expect(() => toAnswer(1e-9)).toThrow(/rounds to zero/);
    expect(() => toAnswer(-1)).toThrow(InputError);
  });
});
