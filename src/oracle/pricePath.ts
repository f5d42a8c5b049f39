/**
 * Price paths: the piecewise-linear USD price of each asset over chain time that the devnet price
 * pusher plays onto the feeds. Pure functions; the pusher decides when to push and the oracle's
 * deviation guard decides how large one accepted step may be.
 */
import { InputError } from '../shared/errors.ts';

/** One knot of a path: at `t` seconds of chain time from the start, `asset` costs `price` USD. */
export type PricePoint = { t: number; asset: string; price: number };

/** The knots of one asset, sorted by time. */
export type AssetPath = { asset: string; knots: { t: number; price: number }[] };

/** Feed answers carry 8 decimals (Chainlink USD feeds). */
export const FEED_DECIMALS = 8;

/** Groups a path by asset and sorts each asset's knots by time; refuses non-positive prices and duplicate times. */
export function assetPaths(points: PricePoint[]): AssetPath[] {
  const byAsset = new Map<string, { t: number; price: number }[]>();
  for (const [i, p] of points.entries()) {
    if (!Number.isFinite(p.t) || p.t < 0) throw new InputError(`pricePath.${i}.t must be a non-negative number of seconds`);
    if (!Number.isFinite(p.price) || p.price <= 0) throw new InputError(`pricePath.${i}.price must be a positive number`);
    const list = byAsset.get(p.asset) ?? [];
    if (list.some((k) => k.t === p.t)) throw new InputError(`pricePath.${i}: ${p.asset} has two prices at t=${p.t}`);
    list.push({ t: p.t, price: p.price });
    byAsset.set(p.asset, list);
  }
  return [...byAsset.entries()].map(([asset, knots]) => ({ asset, knots: knots.sort((a, b) => a.t - b.t) }));
}

/** Price of one asset at chain second `t`: linear between knots, flat before the first and after the last. */
export function priceAt(path: AssetPath, t: number): number {
  const k = path.knots;
  if (k.length === 0) throw new InputError(`no price knots for ${path.asset}`);
  if (t <= k[0]!.t) return k[0]!.price;
  for (let i = 1; i < k.length; i++) {
    const b = k[i]!;
    if (t <= b.t) {
      const a = k[i - 1]!;
      return a.price + ((b.price - a.price) * (t - a.t)) / (b.t - a.t);
    }
  }
  return k[k.length - 1]!.price;
}

/** Time of the last knot over every asset: when the path is over. */
export function pathEnd(paths: AssetPath[]): number {
  return Math.max(0, ...paths.flatMap((p) => p.knots.map((k) => k.t)));
}

/** Knot times strictly after `t` (sorted, deduplicated): the pusher lands a block on each so no knot is skipped. */
export function knotTimesAfter(paths: AssetPath[], t: number): number[] {
  return [...new Set(paths.flatMap((p) => p.knots.map((k) => k.t)).filter((x) => x > t))].sort((a, b) => a - b);
}

/** A USD price as an 8-decimal feed answer (rounded to the nearest unit). */
export function toAnswer(price: number): bigint {
  if (!Number.isFinite(price) || price <= 0) throw new InputError(`price must be positive, got ${price}`);
  const answer = BigInt(Math.round(price * 10 ** FEED_DECIMALS));
  if (answer <= 0n) throw new InputError(`price ${price} rounds to zero at ${FEED_DECIMALS} decimals`);
  return answer;
}

/**
 * Feed answers that walk from `from` to `to` with every step inside the deviation guard:
 * each answer differs from the previous accepted one by at most `maxStepBps` (relative to the previous).
 * Geometric steps of equal ratio; the last answer is exactly `to`. Empty when from == to.
 */
export function guardedSteps(from: bigint, to: bigint, maxStepBps: number): bigint[] {
  if (from <= 0n || to <= 0n) throw new InputError('answers must be positive');
  if (!Number.isInteger(maxStepBps) || maxStepBps <= 0 || maxStepBps >= 10_000) throw new InputError('maxStepBps must be an integer in (0, 10000)');
  if (from === to) return [];
  const ratio = Number(to) / Number(from);
  const limit = maxStepBps / 10_000;
  // a fall of x% per step and a rise of x% per step both stay inside the guard
  const perStep = ratio < 1 ? Math.log(1 - limit) : Math.log(1 + limit);
  const n = Math.max(1, Math.ceil(Math.log(ratio) / perStep - 1e-12));
  const steps: bigint[] = [];
  let prev = from;
  for (let i = 1; i < n; i++) {
    let next = BigInt(Math.round(Number(from) * Math.exp((Math.log(ratio) * i) / n)));
    next = clampStep(prev, next, maxStepBps);
    steps.push(next);
    prev = next;
  }
  if (!withinBps(prev, to, maxStepBps)) {
    // float rounding pushed the last step out of range: walk the remaining way in guarded steps
    return [...steps, ...guardedSteps(prev, to, maxStepBps)];
  }
  steps.push(to);
  return steps;
}

/** |b - a| / a <= bps / 10,000, exactly (the oracle's guard compares in bps against the last accepted answer). */
export function withinBps(a: bigint, b: bigint, bps: number): boolean {
  const diff = b > a ? b - a : a - b;
  return diff * 10_000n <= a * BigInt(bps);
}

function clampStep(prev: bigint, next: bigint, bps: number): bigint {
  const max = (prev * BigInt(10_000 + bps)) / 10_000n;
  const min = (prev * BigInt(10_000 - bps) + 9_999n) / 10_000n;
  return next > max ? max : next < min ? min : next;
}
