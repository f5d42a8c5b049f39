/**
 * How long the monitor's health pass takes to re-evaluate 1,000,000 positions after one price
 * change (target: 100 ms, single thread). Every position holds WETH, so the asset-restricted pass
 * still has to judge all of them. A slice of the book sits exactly on the liquidation edge at the
 * new price, so the timed passes include the exact bigint rechecks a real crash would cause.
 * After timing, every position is judged once more with the bigint rule alone and the pass's
 * answer must match it exactly.
 */
import { ETH_LIKE_LIQUIDATION_RATIO_WAD, isLiquidatable, maxBorrow } from '../src/lending/health.ts';
import { PositionBook } from '../src/liquidation/positionBook.ts';
import { seededRandom } from '../src/shared/seededRandom.ts';

const POSITIONS = 1_000_000;
const TARGET_MS = 100;
const WARMUP_PASSES = 20;
const TIMED_PASSES = 31;
const EDGE_SHARE = 0.001; // positions placed within one unit of the limit at the new price
const SEED = 0x5eed;

const E8 = 10n ** 8n;
const WETH_DECIMALS = 18;
const USDC_DECIMALS = 6;
const PRICE_BEFORE = 2000n * E8;
const PRICE_AFTER = 1800n * E8; // a 10% drop
const USDC_PRICE = 1n * E8;

const rng = seededRandom;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

// --- build the book --------------------------------------------------------------------------
const buildStart = performance.now();
const book = new PositionBook({
  debtDecimals: USDC_DECIMALS,
  collateralAssets: [{ symbol: 'WETH', decimals: WETH_DECIMALS, liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD }],
  initialCapacity: 1 << 20,
});
const WETH = 0;
book.setDebtPrice(USDC_PRICE);
book.setPrice(WETH, PRICE_BEFORE);

const next = rng(SEED);
const limitAt = (collateral: bigint, price: bigint) =>
  maxBorrow({
    collateral,
    collateralDecimals: WETH_DECIMALS,
    collateralPrice: price,
    debtDecimals: USDC_DECIMALS,
    debtPrice: USDC_PRICE,
    ratioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD,
  });
for (let i = 0; i < POSITIONS; i++) {
  // 0.01 to 100 WETH, in whole gwei so amounts are not suspiciously round
  const collateral = BigInt(1e7 + Math.floor(next() * 1e11)) * 10n ** 9n;
  let debt: bigint;
  if (next() < EDGE_SHARE) {
    debt = limitAt(collateral, PRICE_AFTER) + (next() < 0.5 ? 0n : 1n); // healthy / liquidatable by one unit
  } else {
    // collateral ratio at 2000 USD spread from 1.5x down to ~1.1x the threshold: all healthy
    // before the drop, and the ones under ~1.11x the threshold become liquidatable at 1800
    const limit = limitAt(collateral, PRICE_BEFORE);
    debt = (limit * BigInt(Math.floor(667_000 + next() * 333_000))) / 1_000_000n;
  }
  book.upsert(`pos-${i}`, { collateralAsset: WETH, collateral, debt });
}
const buildMs = performance.now() - buildStart;
if (book.countOf(WETH) !== POSITIONS) throw new Error(`book holds ${book.countOf(WETH)} WETH positions, wanted ${POSITIONS}`);
const before = book.findUnhealthyForAsset(WETH);
console.log(`built ${POSITIONS} positions in ${round(buildMs)} ms; unhealthy at 2000 USD: ${before}`);

// --- warm up: let V8 optimise the pass --------------------------------------------------------
for (let i = 0; i < WARMUP_PASSES; i++) {
  book.setPrice(WETH, i % 2 === 0 ? PRICE_AFTER : PRICE_BEFORE);
  book.findUnhealthyForAsset(WETH);
}

// --- timed: one price change, then a pass over all 1,000,000 ----------------------------------
const times: number[] = [];
const heapDeltas: number[] = [];
let unhealthy = -1;
let exactChecks = 0;
for (let i = 0; i < TIMED_PASSES; i++) {
  book.setPrice(WETH, PRICE_BEFORE); // untimed reset, so every timed pass follows a real change
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  book.setPrice(WETH, PRICE_AFTER);
  const count = book.findUnhealthyForAsset(WETH);
  const ms = performance.now() - t0;
  heapDeltas.push(process.memoryUsage().heapUsed - heapBefore);
  times.push(ms);
  if (unhealthy !== -1 && count !== unhealthy) throw new Error(`pass ${i} found ${count} unhealthy, earlier passes ${unhealthy}`);
  unhealthy = count;
  exactChecks = book.lastExactChecks;
}
console.log(
  `timed ${TIMED_PASSES} passes (2000 -> 1800 USD): ms ${times.map(round).join(' ')}; ` +
    `unhealthy ${unhealthy}; exact rechecks per pass ${exactChecks}; heap growth per pass (median) ${Math.round(median(heapDeltas) / 1024)} KiB`,
);

// --- check the answer against the bigint rule alone --------------------------------------------
const reported = new Set(book.unhealthySlots.subarray(0, unhealthy));
let exactUnhealthy = 0;
let disagreements = 0;
for (let slot = 0; slot < POSITIONS; slot++) {
  const p = book.positionAt(slot)!;
  const liquidatable = isLiquidatable({
    collateral: p.collateral,
    collateralDecimals: WETH_DECIMALS,
    collateralPrice: PRICE_AFTER,
    debt: p.debt,
    debtDecimals: USDC_DECIMALS,
    debtPrice: USDC_PRICE,
    liquidationRatioWad: ETH_LIKE_LIQUIDATION_RATIO_WAD,
  });
  if (liquidatable) exactUnhealthy++;
  if (liquidatable !== reported.has(slot)) disagreements++;
}
console.log(`bigint rule: ${exactUnhealthy} unhealthy; disagreements with the pass: ${disagreements}`);

const medianMs = median(times);
console.log(
  JSON.stringify({
    bench: 'monitor',
    positions: POSITIONS,
    medianMs: round(medianMs),
    maxMs: round(Math.max(...times)),
    targetMs: TARGET_MS,
    unhealthy,
    exactRechecks: exactChecks,
    exactAgrees: disagreements === 0,
    passes: TIMED_PASSES,
  }),
);
process.exitCode = disagreements === 0 && medianMs <= TARGET_MS ? 0 : 1;
