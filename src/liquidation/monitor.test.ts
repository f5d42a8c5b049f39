import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { ChainClock } from '../oracle/chainClock.ts';
import { PricePusher } from '../oracle/pricePusher.ts';
import type { LiquidationInstruction } from './instruction.ts';
import { parseInstruction } from './instruction.ts';
import { poolHealth as contractHealth } from '../lending/health.ts';
import { LiquidationMonitor, screenRatio, wholeTokenPrice } from './monitor.ts';
import { openPositions } from './scenario.ts';
import { parseScenario } from './scenarioFile.ts';

const WAD = 10n ** 18n;

describe('contractHealth (HealthLib mirror)', () => {
  const ratio = 11n * 10n ** 17n; // 110%
  const usdc = 10n ** 30n; // 1 USD per unit of a 6-decimal token, oracle unit
  const weth = (usd: bigint) => usd * WAD; // USD per wei × 1e36

  it('is liquidatable strictly below the ratio, healthy at it', () => {
    // 1 WETH at 1,100 USD against 1,000 USDC: exactly 110%
    expect(contractHealth(WAD, weth(1100n), 1_000n * 10n ** 6n, usdc, ratio).liquidatable).toBe(false);
    // one wei of collateral less tips it over
    expect(contractHealth(WAD - 1n, weth(1100n), 1_000n * 10n ** 6n, usdc, ratio).liquidatable).toBe(true);
    // one unit of debt more too
    expect(contractHealth(WAD, weth(1100n), 1_000n * 10n ** 6n + 1n, usdc, ratio).liquidatable).toBe(true);
  });

  it('rounds the collateral value down and the debt value up, as the pool does', () => {
    const h = contractHealth(3n, 1n, 3n, 1n, ratio);
    expect(h.collateralValue).toBe(0n); // 3 / 1e18 down
    expect(h.debtValue).toBe(1n); // 3 / 1e18 up
    expect(h.liquidatable).toBe(true);
    expect(contractHealth(5n, weth(1n), 0n, usdc, ratio).liquidatable).toBe(false); // no debt, never
  });

  it('screens a little wider than the governed ratio, at a scale both prices share', () => {
    expect(screenRatio(ratio)).toBe(ratio + (ratio * 4n) / 1_000_000n);
    expect(wholeTokenPrice(weth(2000n), 18)).toBe(2000n * WAD);
    expect(wholeTokenPrice(usdc, 6)).toBe(WAD);
  });

  it('reads instructions back from JSON', () => {
    const i: LiquidationInstruction = {
      chain: 'hub',
      pool: '0x0000000000000000000000000000000000000001',
      liquidator: '0x0000000000000000000000000000000000000002',
      borrower: '0x0000000000000000000000000000000000000003',
      collateral: '0x0000000000000000000000000000000000000004',
      reason: 'unhealthy',
      observedBlock: 7,
      priceBlock: 6,
      collateralValue: '1',
      debtValue: '2',
    };
    expect(parseInstruction(JSON.parse(JSON.stringify(i)))).toEqual(i);
    expect(() => parseInstruction({ ...i, borrower: 'nope' })).toThrow();
  });
});

describe('liquidation monitor on a devnet chain', () => {
  let devnet: Devnet;
  let contracts: Record<string, Address>;
  let deployer: ChainClients;
  let clock: ChainClock;
  let pusher: PricePusher;
  let borrowers: Address[];
  const monitors: LiquidationMonitor[] = [];
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-monitor-test-'));

  beforeAll(async () => {
    devnet = await startDevnet({ hubOnly: true, portBase: 32545, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
    const chain = devnet.chains[0]!;
    contracts = devnet.manifest.chains[chain.name]!.contracts as Record<string, Address>;
    deployer = chainClients(chain, devnetAccount('deployer'), 50);
    clock = new ChainClock(deployer.public);
    await clock.automine();
    // four positions at LTV 0.6, 0.7, 0.75 and 0.8 of 2 WETH at 2,000 USD
    const s = parseScenario({
      borrowers: { count: 4, collateral: { asset: 'WETH', amount: [2, 2] }, ltv: [0.6, 0.6], seed: 1 },
      pricePath: [{ t: 0, asset: 'WETH', price: 2000 }],
    });
    borrowers = [];
    for (const [i, ltv] of [0.6, 0.7, 0.75, 0.8].entries()) {
      const one = { ...s, borrowers: { ...s.borrowers, count: 1, ltv: [ltv, ltv] as [number, number] } };
      // each call draws index 0: offset the accounts so the four are distinct
      borrowers.push(...(await openPositions(one, 1, chain, deployer, contracts, contracts.WETH!, () => {}, 100 * i)));
    }
    await clock.takeOver();
    pusher = new PricePusher({
      clients: chainClients(chain, devnetAccount('pricePusher'), 50),
      oracle: contracts.PriceOracle!,
      assets: { WETH: { token: contracts.WETH!, feed: contracts.WETHFeed! } },
      clock,
    });
  }, 180_000);

  afterAll(async () => {
    for (const m of monitors) await m.stop();
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const newMonitor = (sink: LiquidationInstruction[], recomputeMs = 10_000, pollMs = 60_000) => {
    const m = new LiquidationMonitor({
      chain: 'hub',
      client: deployer.public,
      pool: contracts.LendingPool!,
      liquidator: contracts.Liquidator!,
      fromBlock: BigInt(devnet.manifest.chains.hub!.deployedAtBlock),
      pollMs, // by default the test drives it with tick()
      recomputeMs,
      reissueMs: 0,
      onInstruction: (i) => void sink.push(i),
    });
    monitors.push(m);
    return m;
  };

  const onChainLiquidatable = async (block: bigint) => {
    const out: string[] = [];
    for (const b of borrowers) {
      const [, , liquidatable] = await deployer.public.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'health', args: [b, contracts.WETH!], blockNumber: block });
      if (liquidatable) out.push(b);
    }
    return out.sort();
  };

  it('instructs exactly the positions the pool would let be kicked, in the block of the price update', async () => {
    const seen: LiquidationInstruction[] = [];
    const monitor = newMonitor(seen);
    await monitor.start();
    expect(monitor.stats.positions).toBe(4);
    expect(seen).toEqual([]);

    for (const [price, expected] of [
      [1800, 0],
      [1700, 1],
      [1500, 3],
    ] as const) {
      seen.length = 0;
      await pusher.push('WETH', price);
      const block = await clock.mine(1);
      await monitor.tick();
      expect(monitor.processedBlock).toBe(block.number);
      const chain = await onChainLiquidatable(block.number);
      expect(chain).toHaveLength(expected);
      expect(seen.map((i) => i.borrower).sort()).toEqual(chain);
      for (const i of seen) {
        expect(i.observedBlock).toBe(Number(block.number));
        expect(i.priceBlock).toBe(Number(block.number));
        expect(i.liquidator).toBe(contracts.Liquidator);
        expect(BigInt(i.collateralValue) * WAD < BigInt(i.debtValue) * 11n * 10n ** 17n).toBe(true);
      }
    }
  });

  it('rebuilds every position from the logs after a restart and reaches the same verdicts', async () => {
    const seen: LiquidationInstruction[] = [];
    const restarted = newMonitor(seen);
    await restarted.start();
    expect(restarted.stats.positions).toBe(4);
    const block = clock.latest.number;
    expect(seen.map((i) => i.borrower).sort()).toEqual(await onChainLiquidatable(block));
    expect(seen).toHaveLength(3);
  });

  it('re-judges every recomputeMs even when no block comes', async () => {
    const monitor = newMonitor([], 100, 20);
    await monitor.start();
    const passes = monitor.stats.passes;
    await new Promise((r) => setTimeout(r, 350));
    expect(monitor.stats.passes).toBeGreaterThan(passes);
    expect(monitor.health().ok).toBe(true);
  });
});
