import { describe, expect, it } from 'vitest';
import { WAD } from './health.ts';
import { annualBorrowRateWad, borrowRatePerSecondWad, oraclePriceToUsd8, supplyRateWad, toAssetsDown, toAssetsUp, utilizationWad, SECONDS_PER_YEAR } from './marketMath.ts';

const DEVNET_RATES = { baseRateBps: 0, slope1Bps: 400, slope2Bps: 6000, kinkBps: 8000 };
const pct = (n: number) => (BigInt(Math.round(n * 100)) * WAD) / 10_000n;

describe('utilizationWad', () => {
  it('is borrowed / supplied, 0 with nothing supplied or borrowed, capped at 100%', () => {
    expect(utilizationWad(15n, 1_000n)).toBe(pct(1.5));
    expect(utilizationWad(0n, 1_000n)).toBe(0n);
    expect(utilizationWad(5n, 0n)).toBe(0n);
    expect(utilizationWad(2_000n, 1_000n)).toBe(WAD);
  });
});

describe('annualBorrowRateWad', () => {
  it('rises along slope1 to the kink, then steeply along slope2', () => {
    expect(annualBorrowRateWad(0n, DEVNET_RATES)).toBe(0n);
    expect(annualBorrowRateWad(pct(40), DEVNET_RATES)).toBe(pct(2)); // half way to the kink: half of 4%
    expect(annualBorrowRateWad(pct(80), DEVNET_RATES)).toBe(pct(4));
    expect(annualBorrowRateWad(pct(90), DEVNET_RATES)).toBe(pct(34)); // 4% + 60% × (10 / 20)
    expect(annualBorrowRateWad(WAD, DEVNET_RATES)).toBe(pct(64));
    expect(annualBorrowRateWad(0n, { ...DEVNET_RATES, baseRateBps: 100 })).toBe(pct(1));
  });

  it('is quoted per second as the pool does: the annual rate divided by a 365-day year, rounded down', () => {
    expect(borrowRatePerSecondWad(900n, 1_000n, DEVNET_RATES)).toBe(pct(34) / SECONDS_PER_YEAR);
  });
});

describe('supplyRateWad', () => {
  it('spreads the interest on open debt over everything supplied', () => {
    expect(supplyRateWad(pct(4), 800n, 1_000n)).toBe(pct(3.2));
    expect(supplyRateWad(pct(4), 0n, 0n)).toBe(0n);
  });
});

describe('share conversions', () => {
  it('round down for what is paid out and up for what is owed, with the virtual shares', () => {
    // 1 share of 1,000,000 virtual shares over 1 virtual asset: below one unit either way
    expect(toAssetsDown(1n, 0n, 0n)).toBe(0n);
    expect(toAssetsUp(1n, 0n, 0n)).toBe(1n);
    expect(toAssetsDown(3_000_000n, 2n, 2_000_000n)).toBe(3n);
    expect(toAssetsUp(3_000_001n, 2n, 2_000_000n)).toBe(4n);
  });
});

describe('oraclePriceToUsd8', () => {
  it('turns the oracle unit (USD per smallest unit × 1e36) back into the feed answer', () => {
    expect(oraclePriceToUsd8(2_000n * 10n ** 18n, 18)).toBe(2_000n * 10n ** 8n); // WETH
    expect(oraclePriceToUsd8(10n ** 30n, 6)).toBe(10n ** 8n); // USDC
    expect(oraclePriceToUsd8(6n * 10n ** 32n, 8)).toBe(60_000n * 10n ** 8n); // WBTC
  });
});
