/**
 * The shipped scenarios, end to end on real devnet chains with the real monitor, executor,
 * market maker and price pusher (each run starts and stops its own anvil).
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { parseScenario, readScenario } from './scenarioFile.ts';
import { runScenario, type ScenarioReport } from './scenario.ts';
import { seededRandom } from '../shared/seededRandom.ts';

const scenarios = resolve(import.meta.dirname, '../../scenarios');

function expectClean(r: ScenarioReport): void {
  expect(r.positions).toBeGreaterThanOrEqual(20);
  expect(r.unhealthy).toBeGreaterThan(0);
  expect(r.liquidated).toBe(r.unhealthy);
  expect(r.auctions).toBe(r.liquidated);
  expect(r.badDebt).toBe(0);
  expect(r.fillRate).toBe(1);
  expect(r.kickLatencyBlocks).toBeLessThanOrEqual(1);
  expect(r.meanDisposalDeviation).toBeLessThanOrEqual(0.05);
}

describe('scenario run', () => {
  it('crash-30pct-1h: every position that turns unhealthy is liquidated within a block, no bad debt', async () => {
    const r = await runScenario(readScenario(resolve(scenarios, 'crash-30pct-1h.json')), { portBase: 29545 });
    console.log(JSON.stringify(r));
    expectClean(r);
    expect(r.chainSeconds).toBeGreaterThanOrEqual(3600);
    expect(r.unhealthy).toBeLessThan(r.positions); // low-LTV positions survive a 30% fall
  }, 240_000);

  it('crash-60pct-minutes: a fast crash is liquidated too and shortfalls come from the reserve, not lenders', async () => {
    const r = await runScenario(readScenario(resolve(scenarios, 'crash-60pct-minutes.json')), { portBase: 30545 });
    console.log(JSON.stringify(r));
    expectClean(r);
    expect(r.unhealthy).toBe(r.positions); // at 40% of the opening price even a 50% LTV is under 110%
  }, 240_000);

  it('crash-60pct-one-round: a 60% fall in ONE feed round, beyond the guard and accepted by nobody, is liquidated with no bad debt', async () => {
    const r = await runScenario(readScenario(resolve(scenarios, 'crash-60pct-one-round.json')), { portBase: 32545 });
    console.log(JSON.stringify(r));
    expectClean(r);
    expect(r.unhealthy).toBe(r.positions);
    expect(r.pricePushes).toBe(1); // the pusher did not split the move
    // everything finished inside the oracle's 1 h move window (it opened at t = 61 s): the move was still
    // pending, never accepted by the guardian, the window or governance, while every position was liquidated
    expect(r.chainSeconds).toBeLessThan(3600);
  }, 240_000);

  it('a lot no executor will buy is reset below the floor and taken by the market maker after 3 minutes', async () => {
    // executors here want 15% under the oracle, below the 90% floor: they reset but never take
    const s = parseScenario({
      name: 'maker-only',
      borrowers: { count: 4, collateral: { asset: 'WETH', amount: [1, 3] }, ltv: [0.79, 0.8], seed: 7 },
      pricePath: [
        { t: 0, asset: 'WETH', price: 2000 },
        { t: 60, asset: 'WETH', price: 1700 },
      ],
      executor: { margin: -0.15 },
    });
    const r = await runScenario(s, { portBase: 31545 });
    console.log(JSON.stringify(r));
    expect(r.liquidated).toBe(r.unhealthy);
    expect(r.unhealthy).toBe(4);
    expect(r.fillRate).toBe(1);
    expect(r.makerTakes).toBe(r.takes);
    expect(r.resets).toBeGreaterThan(0);
    expect(r.meanAuctionSeconds).toBeGreaterThanOrEqual(180);
    expect(r.badDebt).toBe(0);
    expect(r.meanDisposalDeviation).toBeLessThanOrEqual(0.1);
  }, 240_000);

  it('1,000 borrowers: setup sizes the pool and reserve, and every position that turns unhealthy is liquidated', async () => {
    const s = parseScenario({
      name: 'many-borrowers',
      borrowers: { count: 1, collateral: { asset: 'WETH', amount: [1, 10] }, ltv: [0.3, 0.8], seed: 1000 },
      pricePath: [
        { t: 0, asset: 'WETH', price: 2000 },
        { t: 600, asset: 'WETH', price: 1740 },
      ],
    });
    const r = await runScenario(s, { portBase: 34545, borrowers: 1000 });
    console.log(JSON.stringify(r));
    expect(r.positions).toBe(1000);
    expect(r.unhealthy).toBeGreaterThan(0);
    expect(r.unhealthy).toBeLessThan(100);
    expect(r.liquidated).toBe(r.unhealthy);
    expect(r.badDebt).toBe(0);
  }, 600_000);

  it('days of hourly prices: the whole path plays and the report is built from the chain', async () => {
    // a crash in the first hour (so auctions run early), then five days of hourly moves of up to ±1%:
    // thousands of blocks, more than the node keeps state for
    const next = seededRandom(5);
    const pricePath = [
      { t: 0, asset: 'WETH', price: 2000 },
      { t: 3600, asset: 'WETH', price: 1500 },
    ];
    for (let h = 2; h <= 120; h++) pricePath.push({ t: h * 3600, asset: 'WETH', price: Math.round(pricePath.at(-1)!.price * (1 + 0.02 * (next() - 0.5)) * 100) / 100 });
    const s = parseScenario({
      name: 'hourly-5-days',
      borrowers: { count: 6, collateral: { asset: 'WETH', amount: [1, 3] }, ltv: [0.5, 0.8], seed: 11 },
      pricePath,
      drainSeconds: 1800,
    });
    const r = await runScenario(s, { portBase: 35545, idleBlockSeconds: 100 });
    console.log(JSON.stringify(r));
    expect(r.chainSeconds).toBeGreaterThanOrEqual(120 * 3600);
    expect(r.blocks).toBeGreaterThan(4000);
    expect(r.liquidated).toBe(r.unhealthy);
    expect(r.unhealthy).toBeGreaterThan(0);
    expect(r.takes).toBeGreaterThan(0);
    expect(r.badDebt).toBe(0);
  }, 900_000);
});
