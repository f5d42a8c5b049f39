import { describe, expect, it } from 'vitest';
import { InputError } from '../shared/errors.ts';
import { seededRandom } from '../shared/seededRandom.ts';
import {
  ETH_LIKE_LIQUIDATION_RATIO_WAD,
  MAX_UINT256,
  WAD,
  collateralRatioWad,
  debtOfShares,
  poolHealth,
  isLiquidatable,
  liquidationPrice,
  maxBorrow,
  minCollateral,
  valueUsd8,
} from './health.ts';

const E8 = 10n ** 8n;
const WETH = 10n ** 18n;
const USDC = 10n ** 6n;

/** 10 WETH against 10,000 USDC of debt, USDC at 1 USD. */
function position(wethPrice8: bigint, debt = 10_000n * USDC) {
  return {
    collateral: 10n * WETH,
    collateralDecimals: 18,
    collateralPrice: wethPrice8,
    debt,
    debtDecimals: 6,
    debtPrice: 1n * E8,
  };
}

const rng = seededRandom;

describe('isLiquidatable', () => {
  it('isHealthyAboveTheThreshold', () => {
    expect(isLiquidatable({ ...position(2000n * E8), liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(false);
  });

  it('isHealthyExactlyAtTheThreshold_becauseTheRuleIsStrict', () => {
    // 10 WETH * 1100 USD = 11,000 USD = 110% of 10,000 USD
    expect(isLiquidatable({ ...position(1100n * E8), liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(false);
  });

  it('isLiquidatableOnePriceUnitBelowTheThreshold', () => {
    expect(isLiquidatable({ ...position(1100n * E8 - 1n), liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(true);
  });

  it('neverLiquidatesAPositionWithoutDebt', () => {
    expect(isLiquidatable({ ...position(1n, 0n), liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(false);
    expect(collateralRatioWad(position(1n, 0n))).toBe(MAX_UINT256);
  });

  it('alwaysLiquidatesDebtWithoutCollateral', () => {
    const p = { ...position(2000n * E8), collateral: 0n, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD };
    expect(isLiquidatable(p)).toBe(true);
    expect(liquidationPrice(p)).toBe(MAX_UINT256);
  });

  it('throwsInputErrorOnBadInput', () => {
    const r = { liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD };
    expect(() => isLiquidatable({ ...position(0n), ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(-1n), ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(E8), debtPrice: 0n, ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(E8), collateral: -1n, ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(E8), debt: -1n, ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(E8), collateralDecimals: 37, ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(E8), debtDecimals: 1.5, ...r })).toThrow(InputError);
    expect(() => isLiquidatable({ ...position(E8), liquidationRatioWad: 0n })).toThrow(InputError);
    // a caller outside TypeScript handing over a float price
    expect(() => isLiquidatable({ ...position(Number.NaN as unknown as bigint), ...r })).toThrow(InputError);
  });
});

describe('collateralRatioWad', () => {
  it('answersTheRatioInWad', () => {
    expect(collateralRatioWad(position(2000n * E8))).toBe(2n * WAD);
    expect(collateralRatioWad(position(1100n * E8))).toBe(ETH_LIKE_LIQUIDATION_RATIO_WAD);
  });

  it('agreesWithIsLiquidatableForEveryThreshold_randomized', () => {
    const next = rng(7);
    for (let i = 0; i < 2000; i++) {
      const p = {
        collateral: BigInt(Math.floor(next() * 1e15)) * 1000n,
        collateralDecimals: Math.floor(next() * 19),
        collateralPrice: BigInt(1 + Math.floor(next() * 1e12)),
        debt: BigInt(Math.floor(next() * 1e15)),
        debtDecimals: Math.floor(next() * 19),
        debtPrice: BigInt(1 + Math.floor(next() * 1e9)),
      };
      const ratio = collateralRatioWad(p);
      for (const threshold of [ratio, ratio + 1n, ETH_LIKE_LIQUIDATION_RATIO_WAD]) {
        if (threshold <= 0n || threshold > MAX_UINT256) continue;
        expect(isLiquidatable({ ...p, liquidationRatioWad: threshold })).toBe(ratio < threshold);
      }
    }
  });
});

describe('maxBorrow', () => {
  it('isTheLargestDebtThatStaysHealthy', () => {
    const p = position(2000n * E8);
    const max = maxBorrow({ ...p, ratioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD });
    // 20,000 USD / 1.1 = 18,181.818181 USDC, rounded down
    expect(max).toBe(18_181_818_181n);
    expect(isLiquidatable({ ...p, debt: max, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(false);
    expect(isLiquidatable({ ...p, debt: max + 1n, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(true);
  });
});

describe('minCollateral', () => {
  it('isTheLeastCollateralThatStaysHealthy', () => {
    const { collateral: _c, ...p } = position(2000n * E8, 12_345_678_901n);
    const min = minCollateral({ ...p, ratioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD });
    expect(isLiquidatable({ ...p, collateral: min, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(false);
    expect(isLiquidatable({ ...p, collateral: min - 1n, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD })).toBe(true);
  });

  it('isZeroWithoutDebt', () => {
    const { collateral: _c, ...p } = position(2000n * E8, 0n);
    expect(minCollateral({ ...p, ratioWad: WAD })).toBe(0n);
  });
});

describe('liquidationPrice', () => {
  it('isTheLowestHealthyCollateralPrice', () => {
    const p = { ...position(1n), liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD, debt: 12_345_678_901n };
    const price = liquidationPrice(p);
    expect(isLiquidatable({ ...p, collateralPrice: price })).toBe(false);
    expect(isLiquidatable({ ...p, collateralPrice: price - 1n })).toBe(true);
  });

  it('isZeroWithoutDebt', () => {
    expect(liquidationPrice({ ...position(1n, 0n), liquidationRatioWad: WAD })).toBe(0n);
  });
});

describe('valueUsd8', () => {
  it('valuesAnAmountAtAnEightDecimalPrice', () => {
    expect(valueUsd8(10n * WETH, 18, 2000n * E8)).toBe(20_000n * E8);
    expect(() => valueUsd8(1n, 18, 0n)).toThrow(InputError);
  });
});

describe('the pool rule (HealthLib and SharesMath mirrors)', () => {
  const ratio = 11n * 10n ** 17n; // 110%
  const usdc = 10n ** 30n; // 1 USD per unit of a 6-decimal token, oracle unit
  const weth = (usd: bigint) => usd * WAD; // USD per wei × 1e36

  it('is liquidatable strictly below the ratio, healthy at it', () => {
    // 1 WETH at 1,100 USD against 1,000 USDC: exactly 110%
    expect(poolHealth(WAD, weth(1100n), 1_000n * USDC, usdc, ratio).liquidatable).toBe(false);
    expect(poolHealth(WAD - 1n, weth(1100n), 1_000n * USDC, usdc, ratio).liquidatable).toBe(true);
    expect(poolHealth(WAD, weth(1100n), 1_000n * USDC + 1n, usdc, ratio).liquidatable).toBe(true);
  });

  it('rounds the collateral value down and the debt value up, as the pool does', () => {
    const h = poolHealth(3n, 1n, 3n, 1n, ratio);
    expect(h.collateralValue).toBe(0n);
    expect(h.debtValue).toBe(1n);
    expect(h.liquidatable).toBe(true);
    expect(poolHealth(5n, weth(1n), 0n, usdc, ratio).liquidatable).toBe(false); // no debt, never
  });

  it('converts borrow shares to debt rounding up, with the virtual offset', () => {
    // an empty market: 1e6 virtual shares per virtual asset
    expect(debtOfShares(1_000_000n, { totalBorrowAssets: 0n, totalBorrowShares: 0n })).toBe(1n);
    expect(debtOfShares(1n, { totalBorrowAssets: 0n, totalBorrowShares: 0n })).toBe(1n); // rounds up
    expect(debtOfShares(0n, { totalBorrowAssets: 5n, totalBorrowShares: 5n })).toBe(0n);
    // 1,000 USDC borrowed for 1e9 shares (+1e6 virtual), then 10% interest
    const index = { totalBorrowAssets: 1_100n * USDC, totalBorrowShares: 1_000n * USDC * 1_000_000n };
    expect(debtOfShares(500n * USDC * 1_000_000n, index)).toBe((500n * USDC * 1_000_000n * (1_100n * USDC + 1n) + 1_000n * USDC * 1_000_000n + 1_000_000n - 1n) / (1_000n * USDC * 1_000_000n + 1_000_000n));
  });
});
