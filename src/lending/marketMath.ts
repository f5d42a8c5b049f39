/**
 * Pool-level maths of the lending contract, mirrored in bigint with the same roundings:
 * the kinked rate model (contracts/src/lending/InterestRateModel.sol) and the share conversions
 * (contracts/src/lending/SharesMath.sol). Position health lives beside it in health.ts.
 */
import { WAD } from './health.ts';

export const BPS = 10_000n;
export const SECONDS_PER_YEAR = 365n * 24n * 3600n;
/** SharesMath's virtual shares and assets: the first depositor cannot inflate the share price. */
export const VIRTUAL_SHARES = 1_000_000n;
export const VIRTUAL_ASSETS = 1n;

/** The pool's rate model: annual rates in basis points (the Market struct's packed fields). */
export type RateParams = { baseRateBps: number; slope1Bps: number; slope2Bps: number; kinkBps: number };

/** Utilization in WAD, capped at 1 (0 when nothing is supplied or borrowed). */
export function utilizationWad(borrowed: bigint, supplied: bigint): bigint {
  if (supplied === 0n || borrowed === 0n) return 0n;
  if (borrowed >= supplied) return WAD;
  return (borrowed * WAD) / supplied;
}

/** Annual borrow rate in WAD at utilization `u` (WAD): base + slope1·min(u,kink)/kink + slope2·max(u−kink,0)/(1−kink). */
export function annualBorrowRateWad(u: bigint, p: RateParams): bigint {
  const toWad = WAD / BPS;
  const kink = BigInt(p.kinkBps) * toWad;
  const base = BigInt(p.baseRateBps) * toWad;
  if (u <= kink) return base + (BigInt(p.slope1Bps) * toWad * u) / kink;
  return base + BigInt(p.slope1Bps) * toWad + (BigInt(p.slope2Bps) * toWad * (u - kink)) / (WAD - kink);
}

/** Borrow rate per second in WAD, as the pool's `borrowRate()` view answers it. */
export function borrowRatePerSecondWad(borrowed: bigint, supplied: bigint, p: RateParams): bigint {
  return annualBorrowRateWad(utilizationWad(borrowed, supplied), p) / SECONDS_PER_YEAR;
}

/**
 * What lenders earn a year, in WAD: all interest on open debt goes to them (debt in auctions
 * earns none, liquidation fees are held apart), spread over everything supplied.
 */
export function supplyRateWad(annualBorrowWad: bigint, openDebt: bigint, supplied: bigint): bigint {
  if (supplied === 0n) return 0n;
  return (annualBorrowWad * openDebt) / supplied;
}

export function toAssetsDown(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return (shares * (totalAssets + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);
}

export function toAssetsUp(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  const d = totalShares + VIRTUAL_SHARES;
  return (shares * (totalAssets + VIRTUAL_ASSETS) + d - 1n) / d;
}

/** Oracle price (USD per smallest unit × 1e36) → the feed's 8-decimal USD answer per whole token. */
export function oraclePriceToUsd8(price: bigint, decimals: number): bigint {
  return (price * 10n ** BigInt(decimals)) / 10n ** 28n;
}
