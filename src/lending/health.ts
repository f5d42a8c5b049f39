/**
 * Exact health maths of a lending position, mirroring the lending contract's rule. These bigint
 * functions are the source of truth; the position book's float screen only decides which
 * positions are worth asking them about.
 *
 * The rule: a position holds `collateral` (smallest units of a token with `collateralDecimals`)
 * and owes `debt` (smallest units of the loan asset, interest included, `debtDecimals`). Prices
 * are Chainlink-style USD answers with 8 decimals. With
 *   collateralValue = collateral * collateralPrice / 10^collateralDecimals
 *   debtValue       = debt       * debtPrice       / 10^debtDecimals
 * the position is liquidatable iff collateralValue / debtValue < ratio / WAD. Both sides are
 * cross-multiplied so no division (and no rounding) happens before the comparison:
 *   collateral * collateralPrice * 10^debtDecimals * WAD
 *     < debt * debtPrice * 10^collateralDecimals * liquidationRatioWad
 */
import { InputError } from '../shared/errors.ts';

/** 1.0 in 18-decimal fixed point; collateral ratios and thresholds are WAD numbers. */
export const WAD = 10n ** 18n;
/** Chainlink USD feeds answer with 8 decimals. */
export const PRICE_DECIMALS = 8;
/** What `collateralRatioWad` answers for a debt-free position: no finite ratio exists. */
export const MAX_UINT256 = 2n ** 256n - 1n;
/** Token decimals accepted; 36 covers every real token and keeps the float screen far from overflow. */
export const MAX_DECIMALS = 36;

/** Default thresholds from the spec (governed on chain; the monitor reads them from config). */
export const ETH_LIKE_LIQUIDATION_RATIO_WAD = 110n * 10n ** 16n; // 110%
export const VOLATILE_LIQUIDATION_RATIO_WAD = 120n * 10n ** 16n; // 120%

/** A position and the market data needed to judge it, all in on-chain units. */
export type PositionValues = {
  collateral: bigint;
  collateralDecimals: number;
  /** USD price of one whole collateral token, 8 decimals. */
  collateralPrice: bigint;
  debt: bigint;
  debtDecimals: number;
  /** USD price of one whole loan-asset token, 8 decimals. */
  debtPrice: bigint;
};

/** True iff the lending contract would let this position be kicked. */
export function isLiquidatable(p: PositionValues & { liquidationRatioWad: bigint }): boolean {
  check(p);
  positive('liquidationRatioWad', p.liquidationRatioWad);
  return collateralSide(p) < debtSide(p) * p.liquidationRatioWad;
}

/**
 * collateralValue / debtValue as a WAD number, rounded down; MAX_UINT256 when there is no debt.
 * Rounding down keeps it consistent with the rule: for an integer threshold r,
 * `collateralRatioWad(p) < r` exactly when `isLiquidatable({...p, liquidationRatioWad: r})`.
 */
export function collateralRatioWad(p: PositionValues): bigint {
  check(p);
  const debtSideValue = debtSide(p);
  if (debtSideValue === 0n) return MAX_UINT256;
  return collateralSide(p) / debtSideValue;
}

/**
 * The largest debt (loan-asset smallest units) this collateral can carry without being
 * liquidatable under `ratioWad`. Pass the borrow limit's ratio instead of the liquidation one
 * when the market keeps a stricter ratio for new borrowing.
 */
export function maxBorrow(
  p: Omit<PositionValues, 'debt'> & { ratioWad: bigint },
): bigint {
  check({ ...p, debt: 0n });
  positive('ratioWad', p.ratioWad);
  // healthy iff X >= debt * Y, so the largest healthy debt is floor(X / Y)
  const x = p.collateral * p.collateralPrice * 10n ** BigInt(p.debtDecimals) * WAD;
  const y = p.debtPrice * 10n ** BigInt(p.collateralDecimals) * p.ratioWad;
  return x / y;
}

/**
 * The lowest collateral price (8 decimals) at which the position is still healthy: it is
 * liquidatable at every price strictly below this one. 0 when there is no debt; MAX_UINT256
 * when debt exists but no collateral does (no price can save it).
 */
export function liquidationPrice(
  p: Omit<PositionValues, 'collateralPrice'> & { liquidationRatioWad: bigint },
): bigint {
  check({ ...p, collateralPrice: 1n });
  positive('liquidationRatioWad', p.liquidationRatioWad);
  const need = debtSide(p) * p.liquidationRatioWad;
  if (need === 0n) return 0n;
  const perPriceUnit = p.collateral * 10n ** BigInt(p.debtDecimals) * WAD;
  if (perPriceUnit === 0n) return MAX_UINT256;
  // healthy iff price * perPriceUnit >= need, so the smallest healthy price is ceil(need / perPriceUnit)
  return (need + perPriceUnit - 1n) / perPriceUnit;
}

/**
 * The least collateral (smallest units) that keeps `debt` healthy under `ratioWad` at these prices:
 * the mirror image of `maxBorrow`. Pass the borrow limit's ratio to find how much collateral a
 * borrower may withdraw. 0 when there is no debt.
 */
export function minCollateral(p: Omit<PositionValues, 'collateral'> & { ratioWad: bigint }): bigint {
  check({ ...p, collateral: 0n });
  positive('ratioWad', p.ratioWad);
  const need = debtSide({ ...p }) * p.ratioWad;
  if (need === 0n) return 0n;
  // healthy iff collateral * perUnit >= need, so the least healthy collateral is ceil(need / perUnit)
  const perUnit = p.collateralPrice * 10n ** BigInt(p.debtDecimals) * WAD;
  return (need + perUnit - 1n) / perUnit;
}

/** USD value (8 decimals, rounded down) of `amount` smallest units of a token. */
export function valueUsd8(amount: bigint, decimals: number, price8: bigint): bigint {
  nonNegative('amount', amount);
  checkDecimals('decimals', decimals);
  positive('price', price8);
  return (amount * price8) / 10n ** BigInt(decimals);
}

function collateralSide(p: PositionValues): bigint {
  return p.collateral * p.collateralPrice * 10n ** BigInt(p.debtDecimals) * WAD;
}

function debtSide(p: Pick<PositionValues, 'debt' | 'debtPrice' | 'collateralDecimals'>): bigint {
  return p.debt * p.debtPrice * 10n ** BigInt(p.collateralDecimals);
}

// Validation: a zero or negative price is what a broken feed reports, and judging positions
// with it would liquidate (or spare) everyone; refuse it instead.
function check(p: PositionValues): void {
  nonNegative('collateral', p.collateral);
  nonNegative('debt', p.debt);
  checkDecimals('collateralDecimals', p.collateralDecimals);
  checkDecimals('debtDecimals', p.debtDecimals);
  positive('collateralPrice', p.collateralPrice);
  positive('debtPrice', p.debtPrice);
}

function nonNegative(name: string, v: bigint): void {
  if (typeof v !== 'bigint' || v < 0n) throw new InputError(`${name} must be a non-negative bigint`, { details: String(v) });
}

function positive(name: string, v: bigint): void {
  if (typeof v !== 'bigint' || v <= 0n) throw new InputError(`${name} must be a positive bigint`, { details: String(v) });
}

function checkDecimals(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_DECIMALS) {
    throw new InputError(`${name} must be an integer from 0 to ${MAX_DECIMALS}`, { details: String(v) });
  }
}

// ------------------------------------------------------------------ the pool's own rule (HealthLib)
//
// The lending pool judges positions in its oracle's unit (USD per smallest token unit × 1e36) with
// borrow shares converted to assets at the market's totals (SharesMath, virtual shares and assets),
// and rounds each side against the borrower. These functions repeat those exact steps so an
// off-chain decision is the pool's decision: a position they call liquidatable is one `seize` accepts
// at the same totals and prices.

/** SharesMath's virtual offset: 1e6 shares and 1 asset that no one owns. */
export const VIRTUAL_SHARES = 1_000_000n;
export const VIRTUAL_ASSETS = 1n;
/** HealthLib divides value products by this (prices are USD per smallest unit × 1e36, values are WAD USD). */
export const VALUE_DIVISOR = 10n ** 18n;

/**
 * The pool's borrow index at one moment: `totalBorrowAssets` and `totalBorrowShares` with interest
 * accrued to that moment (`expectedMarket()` read at a block). One read prices every position.
 */
export type BorrowIndex = { totalBorrowAssets: bigint; totalBorrowShares: bigint };

/** Debt of `shares` borrow shares, rounded up (SharesMath.toAssetsUp), as `debtOf` answers. */
export function debtOfShares(shares: bigint, index: BorrowIndex): bigint {
  const a = index.totalBorrowAssets + VIRTUAL_ASSETS;
  const s = index.totalBorrowShares + VIRTUAL_SHARES;
  return (shares * a + s - 1n) / s;
}

/**
 * HealthLib in bigint: collateralValue = floor(c × Pc / 1e18), debtValue = ceil(d × Pl / 1e18),
 * liquidatable iff collateralValue × WAD < debtValue × ratio. Prices in the oracle's unit; a
 * position with no debt is never liquidatable.
 */
export function poolHealth(
  collateral: bigint,
  collateralPrice: bigint,
  debt: bigint,
  loanPrice: bigint,
  liquidationRatio: bigint,
): { collateralValue: bigint; debtValue: bigint; liquidatable: boolean } {
  const collateralValue = (collateral * collateralPrice) / VALUE_DIVISOR;
  const debtValue = (debt * loanPrice + VALUE_DIVISOR - 1n) / VALUE_DIVISOR;
  return { collateralValue, debtValue, liquidatable: collateralValue * WAD < debtValue * liquidationRatio };
}
