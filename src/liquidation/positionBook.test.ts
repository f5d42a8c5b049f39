import { describe, expect, it } from 'vitest';
import { BaseError, InputError } from '../shared/errors.ts';
import { ETH_LIKE_LIQUIDATION_RATIO_WAD, VOLATILE_LIQUIDATION_RATIO_WAD, isLiquidatable, maxBorrow } from '../lending/health.ts';
import { PositionBook } from './positionBook.ts';
import { seededRandom } from '../shared/seededRandom.ts';

const E8 = 10n ** 8n;
const WETH = 10n ** 18n;
const USDC = 10n ** 6n;

/** Book of a USDC market with WETH (index 0, 110%) and a volatile 9-decimal asset (index 1, 120%). */
function usdcMarket(initialCapacity?: number): PositionBook {
  const book = new PositionBook({
    debtDecimals: 6,
    collateralAssets: [
      { symbol: 'WETH', decimals: 18, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD },
      { symbol: 'SOL', decimals: 9, liquidationRatioWad: VOLATILE_LIQUIDATION_RATIO_WAD },
    ],
    ...(initialCapacity === undefined ? {} : { initialCapacity }),
  });
  book.setDebtPrice(1n * E8);
  book.setPrice(0, 2000n * E8);
  book.setPrice(1, 100n * E8);
  return book;
}

function ids(book: PositionBook, count: number, out = book.unhealthySlots): string[] {
  return Array.from(out.subarray(0, count), (slot) => book.idAt(slot)!).sort();
}

const rng = seededRandom;

describe('PositionBook health pass', () => {
  it('findsNothingInAnEmptyBook_evenWithoutPrices', () => {
    const book = new PositionBook({ debtDecimals: 6, collateralAssets: [{ decimals: 18, liquidationRatioWad: 1n }] });
    expect(book.size).toBe(0);
    expect(book.findUnhealthy()).toBe(0);
    expect(book.findUnhealthyForAsset(0)).toBe(0);
  });

  it('reportsAPositionOnceThePriceFallsBelowItsThreshold', () => {
    const book = usdcMarket();
    book.upsert('alice', { collateralAsset: 0, collateral: 10n * WETH, debt: 10_000n * USDC });
    expect(book.findUnhealthyForAsset(0)).toBe(0);
    book.setPrice(0, 1100n * E8); // exactly 110%: still healthy, the rule is strict
    expect(book.findUnhealthyForAsset(0)).toBe(0);
    book.setPrice(0, 1100n * E8 - 1n);
    expect(ids(book, book.findUnhealthyForAsset(0))).toEqual(['alice']);
    expect(ids(book, book.findUnhealthy())).toEqual(['alice']);
  });

  it('reactsToTheLoanAssetPrice', () => {
    const book = usdcMarket();
    book.upsert('alice', { collateralAsset: 0, collateral: 10n * WETH, debt: 10_000n * USDC });
    book.setDebtPrice(2n * E8); // the debt doubles in USD: 20,000 USD of WETH vs 20,000 USD of debt
    expect(ids(book, book.findUnhealthy())).toEqual(['alice']);
  });

  it('treatsDebtFreePositionsAsHealthyAndCollateralFreeDebtAsUnhealthy', () => {
    const book = usdcMarket();
    book.upsert('saver', { collateralAsset: 0, collateral: 1n, debt: 0n });
    book.upsert('empty', { collateralAsset: 0, collateral: 0n, debt: 0n });
    book.upsert('broke', { collateralAsset: 0, collateral: 0n, debt: 1n });
    book.setPrice(0, 1n);
    expect(ids(book, book.findUnhealthy())).toEqual(['broke']);
  });

  it('getsTheBoundaryExactlyRightWhereFloatsCannotTellPositionsApart', () => {
    // 18-decimal debt: debts around 1e22 units differ by 1 unit but round to the same double,
    // so only the exact recheck can separate the healthy position from the liquidatable one.
    const book = new PositionBook({
      debtDecimals: 18,
      collateralAssets: [{ symbol: 'WETH', decimals: 18, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD }],
    });
    book.setDebtPrice(1n * E8);
    book.setPrice(0, 2000n * E8);
    const collateral = 7n * WETH + 123_456_789n;
    const limit = maxBorrow({
      collateral,
      collateralDecimals: 18,
      collateralPrice: 2000n * E8,
      debtDecimals: 18,
      debtPrice: E8,
      ratioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD,
    });
    expect(Number(limit)).toBe(Number(limit + 1n));
    book.upsert('at-limit', { collateralAsset: 0, collateral, debt: limit });
    book.upsert('one-unit-over', { collateralAsset: 0, collateral, debt: limit + 1n });
    expect(ids(book, book.findUnhealthy())).toEqual(['one-unit-over']);
    expect(book.lastExactChecks).toBe(2);
  });

  it('appliesEachAssetsOwnThreshold', () => {
    const book = usdcMarket();
    // both at a 115% collateral ratio: healthy under WETH's 110%, liquidatable under SOL's 120%
    book.upsert('weth', { collateralAsset: 0, collateral: 115n * WETH, debt: 200_000n * USDC });
    book.upsert('sol', { collateralAsset: 1, collateral: 1150n * 10n ** 9n, debt: 100_000n * USDC });
    expect(ids(book, book.findUnhealthy())).toEqual(['sol']);
    expect(ids(book, book.findUnhealthyForAsset(0))).toEqual([]);
    expect(ids(book, book.findUnhealthyForAsset(1))).toEqual(['sol']);
    book.setThreshold(0, 1.2e18);
    book.setThreshold(1, 1.1e18);
    expect(ids(book, book.findUnhealthy())).toEqual(['weth']);
  });

  it('scansOnlyTheAssetAskedFor', () => {
    const book = usdcMarket();
    book.upsert('weth', { collateralAsset: 0, collateral: 1n * WETH, debt: 1_000_000n * USDC });
    book.upsert('sol', { collateralAsset: 1, collateral: 1n, debt: 1_000_000n * USDC });
    expect(ids(book, book.findUnhealthyForAsset(0))).toEqual(['weth']);
    expect(ids(book, book.findUnhealthyForAsset(1))).toEqual(['sol']);
    expect(ids(book, book.findUnhealthy())).toEqual(['sol', 'weth']);
  });

  it('writesIntoACallerBuffer', () => {
    const book = usdcMarket();
    book.upsert('a', { collateralAsset: 0, collateral: 0n, debt: 1n });
    const out = new Uint32Array(1);
    expect(book.findUnhealthy(out)).toBe(1);
    expect(book.idAt(out[0]!)).toBe('a');
  });
});

describe('PositionBook upsert and remove', () => {
  it('updatesAPositionInPlace', () => {
    const book = usdcMarket();
    const slot = book.upsert('alice', { collateralAsset: 0, collateral: 10n * WETH, debt: 1n });
    expect(book.upsert('alice', { collateralAsset: 0, collateral: 10n * WETH, debt: 19_000n * USDC })).toBe(slot);
    expect(book.size).toBe(1);
    expect(book.positionAt(slot)).toEqual({ id: 'alice', slot, collateralAsset: 0, collateral: 10n * WETH, debt: 19_000n * USDC });
    expect(ids(book, book.findUnhealthy())).toEqual(['alice']);
  });

  it('movesAPositionToItsNewCollateralAsset', () => {
    const book = usdcMarket();
    book.upsert('alice', { collateralAsset: 0, collateral: 1n, debt: 1_000n * USDC });
    book.upsert('bob', { collateralAsset: 0, collateral: 1n * WETH, debt: 1n });
    book.upsert('alice', { collateralAsset: 1, collateral: 1n, debt: 1_000n * USDC });
    expect(book.countOf(0)).toBe(1);
    expect(book.countOf(1)).toBe(1);
    expect(ids(book, book.findUnhealthyForAsset(0))).toEqual([]);
    expect(ids(book, book.findUnhealthyForAsset(1))).toEqual(['alice']);
  });

  it('removesAPositionAndReusesItsSlot', () => {
    const book = usdcMarket();
    book.upsert('a', { collateralAsset: 0, collateral: 0n, debt: 1n });
    const slotB = book.upsert('b', { collateralAsset: 0, collateral: 0n, debt: 1n });
    book.upsert('c', { collateralAsset: 0, collateral: 0n, debt: 1n });
    expect(book.remove('b')).toBe(true);
    expect(book.remove('b')).toBe(false);
    expect(book.has('b')).toBe(false);
    expect(book.positionAt(slotB)).toBeUndefined();
    expect(ids(book, book.findUnhealthy())).toEqual(['a', 'c']);
    expect(book.upsert('d', { collateralAsset: 1, collateral: 0n, debt: 1n })).toBe(slotB);
    expect(book.slotOf('d')).toBe(slotB);
    expect(ids(book, book.findUnhealthy())).toEqual(['a', 'c', 'd']);
    expect(book.size).toBe(3);
  });

  it('growsPastItsInitialCapacityAndSurvivesChurn', () => {
    const book = usdcMarket(2);
    const next = rng(11);
    const live = new Map<string, { asset: number; unhealthy: boolean }>();
    for (let i = 0; i < 5000; i++) {
      const id = `p${Math.floor(next() * 1500)}`;
      if (next() < 0.3) {
        expect(book.remove(id)).toBe(live.delete(id));
        continue;
      }
      const asset = next() < 0.5 ? 0 : 1;
      const unhealthy = next() < 0.4;
      // unhealthy ones have no collateral; healthy ones have plenty
      book.upsert(id, { collateralAsset: asset, collateral: unhealthy ? 0n : 10n ** 20n, debt: 1_000n * USDC });
      live.set(id, { asset, unhealthy });
    }
    expect(book.size).toBe(live.size);
    const expected = [...live].filter(([, p]) => p.unhealthy).map(([id]) => id).sort();
    expect(ids(book, book.findUnhealthy())).toEqual(expected);
    const expectedSol = [...live].filter(([, p]) => p.unhealthy && p.asset === 1).map(([id]) => id).sort();
    expect(ids(book, book.findUnhealthyForAsset(1))).toEqual(expectedSol);
    expect(book.countOf(0) + book.countOf(1)).toBe(live.size);
  });
});

describe('PositionBook bad input', () => {
  it('refusesBadPricesWithInputErrorAndKeepsTheOldPrice', () => {
    const book = usdcMarket();
    book.upsert('alice', { collateralAsset: 0, collateral: 10n * WETH, debt: 10_000n * USDC });
    for (const bad of [-1n, 0n, -5, 0, Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2n ** 128n]) {
      expect(() => book.setPrice(0, bad)).toThrow(InputError);
      expect(() => book.setDebtPrice(bad)).toThrow(InputError);
      expect(() => book.setThreshold(0, bad)).toThrow(InputError);
    }
    expect(book.findUnhealthy()).toBe(0); // still judged at 2000 USD and 1 USD, 110%
    expect(() => book.setPrice(2, E8)).toThrow(InputError);
    expect(() => book.setPrice(-1, E8)).toThrow(InputError);
  });

  it('refusesBadPositionsWithInputErrorAndChangesNothing', () => {
    const book = usdcMarket();
    book.upsert('alice', { collateralAsset: 0, collateral: 10n * WETH, debt: 1n });
    const bad = [
      { collateralAsset: 0, collateral: -1n, debt: 1n },
      { collateralAsset: 0, collateral: 1n, debt: -1n },
      { collateralAsset: 0, collateral: Number.NaN, debt: 1n },
      { collateralAsset: 0, collateral: 1n, debt: 2n ** 256n },
      { collateralAsset: 7, collateral: 1n, debt: 1n },
      { collateralAsset: 0.5, collateral: 1n, debt: 1n },
    ];
    for (const input of bad) {
      expect(() => book.upsert('alice', input)).toThrow(InputError);
      expect(() => book.upsert('bob', input)).toThrow(InputError);
    }
    expect(() => book.upsert('', { collateralAsset: 0, collateral: 1n, debt: 1n })).toThrow(InputError);
    expect(book.size).toBe(1);
    expect(book.has('bob')).toBe(false);
    expect(book.positionAt(book.slotOf('alice')!)).toMatchObject({ collateralAsset: 0, collateral: 10n * WETH, debt: 1n });
  });

  it('refusesBadConfig', () => {
    expect(() => new PositionBook({ debtDecimals: -1, collateralAssets: [] })).toThrow(InputError);
    expect(() => new PositionBook({ debtDecimals: 6, collateralAssets: [{ decimals: 40, liquidationRatioWad: 1n }] })).toThrow(InputError);
    expect(() => new PositionBook({ debtDecimals: 6, collateralAssets: [{ decimals: 18, liquidationRatioWad: 0n }] })).toThrow(InputError);
    expect(() => new PositionBook({ debtDecimals: 6, collateralAssets: [], initialCapacity: 0 })).toThrow(InputError);
  });

  it('refusesAResultBufferTooSmall', () => {
    const book = usdcMarket();
    book.upsert('a', { collateralAsset: 0, collateral: 1n, debt: 1n });
    expect(() => book.findUnhealthy(new Uint32Array(0))).toThrow(InputError);
  });

  it('refusesToJudgePositionsWhoseAssetHasNoPrice', () => {
    const book = new PositionBook({ debtDecimals: 6, collateralAssets: [{ decimals: 18, liquidationRatioWad: 1n }] });
    book.upsert('a', { collateralAsset: 0, collateral: 1n, debt: 1n });
    book.setPrice(0, E8);
    expect(() => book.findUnhealthy()).toThrow(BaseError); // no loan-asset price yet
    book.setDebtPrice(E8);
    expect(book.findUnhealthy()).toBe(0);
    const added = book.addCollateralAsset({ symbol: 'NEW', decimals: 8, liquidationRatioWad: 1n });
    book.upsert('b', { collateralAsset: added, collateral: 1n, debt: 1n });
    expect(() => book.findUnhealthy()).toThrow(/no price for NEW/);
    expect(() => book.findUnhealthyForAsset(added)).toThrow(BaseError);
  });
});

describe('PositionBook against the exact rule (randomized, seed 20240601)', () => {
  it('agreesWithIsLiquidatableOn50kPositionsIncludingNearThresholdOnes', () => {
    const next = rng(20240601);
    const assets = [
      { symbol: 'WETH', decimals: 18, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD },
      { symbol: 'WBTC', decimals: 8, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD },
      { symbol: 'SOL', decimals: 9, liquidationRatioWad: VOLATILE_LIQUIDATION_RATIO_WAD },
      { symbol: 'BIG', decimals: 36, liquidationRatioWad: 1_333_333_333_333_333_333n },
    ];
    const DROPS = [1000n, 800n, 750n]; // judged at today's prices, then 20% and 25% lower
    // two markets: 6-decimal USDC debt, and 18-decimal debt where amounts exceed 2^53
    for (const debtDecimals of [6, 18]) {
      const book = new PositionBook({ debtDecimals, collateralAssets: assets, initialCapacity: 64 });
      const debtPrice = 99_990_000n + BigInt(Math.floor(next() * 20_000));
      const prices = [2000n * E8, 60_000n * E8, 150n * E8, 3n * E8];
      book.setDebtPrice(debtPrice);
      prices.forEach((p, i) => book.setPrice(i, p));

      const randomBig = (digits: number) => {
        let v = 0n;
        for (let i = 0; i < digits; i += 9) v = v * 10n ** 9n + BigInt(Math.floor(next() * 1e9));
        return v;
      };
      const positions: { id: string; asset: number; collateral: bigint; debt: bigint }[] = [];
      for (let i = 0; i < 25_000; i++) {
        const asset = Math.floor(next() * assets.length);
        const a = assets[asset]!;
        const collateral = randomBig(a.decimals + 4) % 10n ** BigInt(a.decimals + 4);
        // The debt this collateral supports at one of the judged prices (positions on the edge when
        // judged there) or, for the spread, at a price 0-30% lower (a price drop flips some).
        const kind = next();
        const drop = kind < 0.5 ? DROPS[Math.floor(next() * DROPS.length)]! : BigInt(700 + Math.floor(next() * 300));
        const lowerPrice = (prices[asset]! * drop) / 1000n;
        const limit = maxBorrow({
          collateral,
          collateralDecimals: a.decimals,
          collateralPrice: lowerPrice,
          debtDecimals,
          debtPrice,
          ratioWad: a.liquidationRatioWad,
        });
        let debt: bigint;
        if (kind < 0.25) debt = limit + BigInt(Math.floor(next() * 5)) - 2n; // within 2 units of the limit
        else if (kind < 0.5) debt = limit + (limit * BigInt(Math.floor(next() * 2001) - 1000)) / 10n ** 12n; // within 1e-9
        else if (kind < 0.55) debt = next() < 0.5 ? 0n : randomBig(9);
        else debt = (limit * BigInt(Math.floor(next() * 3000))) / 1000n; // 0-3x the limit
        if (debt < 0n) debt = 0n;
        const id = `m${debtDecimals}-${i}`;
        positions.push({ id, asset, collateral, debt });
        book.upsert(id, { collateralAsset: asset, collateral, debt });
      }

      for (const drop of DROPS) {
        prices.forEach((p, i) => book.setPrice(i, (p * drop) / 1000n));
        const exact = positions
          .filter((p) =>
            isLiquidatable({
              collateral: p.collateral,
              collateralDecimals: assets[p.asset]!.decimals,
              collateralPrice: (prices[p.asset]! * drop) / 1000n,
              debt: p.debt,
              debtDecimals,
              debtPrice,
              liquidationRatioWad: assets[p.asset]!.liquidationRatioWad,
            }),
          )
          .map((p) => p.id)
          .sort();
        const found = ids(book, book.findUnhealthy());
        expect(found).toEqual(exact);
        // the margin band was exercised, but only a small part of the book needed bigints
        expect(book.lastExactChecks).toBeGreaterThan(0);
        expect(book.lastExactChecks).toBeLessThan(positions.length / 2);
        expect(exact.length).toBeGreaterThan(1000);
        expect(exact.length).toBeLessThan(positions.length - 1000);
      }
    }
  });
});

describe('PositionBook debt index and incremental passes', () => {
  it('convertsDebtUnitsWithTheIndexRoundingUp', () => {
    const book = usdcMarket();
    // 9,090.909091 USDC of debt against 10 WETH at 1,000 USD: 110.0000% — healthy only while the debt rounds to it
    book.upsert('shares', { collateralAsset: 0, collateral: 10n * WETH, debt: 9_090_909_090n });
    book.setPrice(0, 1000n * E8);
    book.setDebtIndex(1n, 1000n); // 9,090,909.09 units → ceil → 9,090,910 (9.090910 USDC): far healthy
    expect(book.findUnhealthy()).toBe(0);
    book.setDebtIndex(1001n, 1000n); // debt grows 0.1%: now under 110%
    expect(ids(book, book.findUnhealthy())).toEqual(['shares']);
    // ceil: one unit short of the limit in units becomes the limit, not below it
    const limit = maxBorrow({ collateral: 10n * WETH, collateralDecimals: 18, collateralPrice: 1000n * E8, debtDecimals: 6, debtPrice: E8, ratioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD });
    book.setDebtIndex(1n, 1n);
    book.upsert('edge', { collateralAsset: 0, collateral: 10n * WETH, debt: limit * 2n - 1n });
    book.remove('shares');
    book.setDebtIndex(1n, 2n); // (2·limit − 1) / 2 rounds up to the limit: healthy
    expect(book.findUnhealthy()).toBe(0);
    book.upsert('edge', { collateralAsset: 0, collateral: 10n * WETH, debt: limit * 2n + 1n }); // rounds up past it
    expect(ids(book, book.findUnhealthy())).toEqual(['edge']);
    expect(() => book.setDebtIndex(0n, 1n)).toThrow(InputError);
  });

  it('answersIncrementalPassesExactlyLikeFullOnesUnderChurnPriceAndIndexMoves', () => {
    const next = rng(99);
    const book = usdcMarket(64);
    const live = new Map<string, { asset: number; collateral: bigint; debt: bigint }>();
    const put = (id: string, p: { asset: number; collateral: bigint; debt: bigint }) => {
      live.set(id, p);
      book.upsert(id, { collateralAsset: p.asset, collateral: p.collateral, debt: p.debt });
    };
    const draw = () => {
      const asset = next() < 0.8 ? 0 : 1;
      const collateral = asset === 0 ? BigInt(Math.floor(1 + next() * 1e4)) * 10n ** 15n : BigInt(Math.floor(1 + next() * 1e4)) * 10n ** 7n;
      const worth = asset === 0 ? (collateral * 2000n) / 10n ** 12n : (collateral * 100n * USDC) / 10n ** 9n;
      return { asset, collateral, debt: (worth * BigInt(Math.floor(next() * 950))) / 1000n };
    };
    for (let i = 0; i < 4000; i++) put(`p${i}`, draw());
    let wethPrice = 2000n * E8;
    let index = 1_000_000n;
    let incremental = 0;
    for (let round = 0; round < 300; round++) {
      // churn: a few positions change, appear or go
      for (let k = 0; k < 5; k++) {
        const id = `p${Math.floor(next() * 4400)}`;
        if (next() < 0.15 && live.has(id)) {
          live.delete(id);
          book.remove(id);
        } else put(id, draw());
      }
      // small moves mostly (incremental), now and then a crash (full)
      const r = next();
      wethPrice = r < 0.05 ? (wethPrice * 85n) / 100n : r < 0.1 ? (wethPrice * 118n) / 100n : (wethPrice * BigInt(Math.floor(995 + next() * 10))) / 1000n;
      index += BigInt(Math.floor(next() * 300));
      book.setDebtIndex(index, 1_000_000n);
      book.setPrice(0, wethPrice);
      const got = ids(book, book.findUnhealthy());
      if (book.lastScanned < live.size) incremental++;
      const want = [...live.entries()]
        .filter(([, p]) =>
          isLiquidatable({
            collateral: p.collateral,
            collateralDecimals: p.asset === 0 ? 18 : 9,
            collateralPrice: p.asset === 0 ? wethPrice : 100n * E8,
            debt: (p.debt * index + 1_000_000n - 1n) / 1_000_000n,
            debtDecimals: 6,
            debtPrice: E8,
            liquidationRatioWad: p.asset === 0 ? ETH_LIKE_LIQUIDATION_RATIO_WAD : VOLATILE_LIQUIDATION_RATIO_WAD,
          }),
        )
        .map(([id]) => id)
        .sort();
      expect(got).toEqual(want);
    }
    // most passes looked at a small part of the book only
    expect(incremental).toBeGreaterThan(200);
  });
});
