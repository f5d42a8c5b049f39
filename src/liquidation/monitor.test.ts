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
import { createPublicClient, custom, http, parseEventLogs, type Hex } from 'viem';
import { toViemChain } from '../chain/clients.ts';
import { LiquidationMonitor, screenRatio, wholeTokenPrice } from './monitor.ts';
import { openPositions, scenarioAccount } from './scenario.ts';
import type { PoolEvent } from './monitor.ts';
import { parseScenario } from './scenarioFile.ts';

const WAD = 10n ** 18n;

describe('monitor helpers', () => {
  const ratio = 11n * 10n ** 17n; // 110%
  const usdc = 10n ** 30n;
  const weth = (usd: bigint) => usd * WAD;

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
    await clock.takeOver(); // blocks are mined on purpose only: openPositions mines its own
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

  const poolEvents = async (to: bigint): Promise<PoolEvent[]> => {
    const logs = await deployer.public.getLogs({ address: contracts.LendingPool!, fromBlock: BigInt(devnet.manifest.chains.hub!.deployedAtBlock), toBlock: to });
    return parseEventLogs({ abi: abis.LendingPool, logs, strict: false }) as unknown as PoolEvent[];
  };

  it('applies each event once: handing the same events over again changes nothing', async () => {
    const monitor = newMonitor([]);
    await monitor.start();
    const before = monitor.stats;
    const shares = (b: Address) => monitor.position(b, contracts.WETH!);
    const snapshot = borrowers.map(shares);
    // every pool event since deployment, again: all are at or before the monitor's cursor
    expect(await monitor.applyEvents(await poolEvents(monitor.processedBlock))).toBe(0);
    expect(monitor.stats.eventsApplied).toBe(before.eventsApplied);
    expect(borrowers.map(shares)).toEqual(snapshot);
    // a new event, twice (a retried catch-up): counted once
    const next = monitor.processedBlock + 1n;
    const stranger = '0x00000000000000000000000000000000000000aa';
    const deposit: PoolEvent = {
      eventName: 'SupplyCollateral',
      args: { caller: stranger, borrower: stranger, collateral: contracts.WETH!, amount: 5n },
      blockNumber: next,
      blockHash: `0x${'11'.repeat(32)}`,
      logIndex: 0,
    };
    expect(await monitor.applyEvents([deposit])).toBe(1);
    expect(await monitor.applyEvents([deposit, deposit])).toBe(0);
    expect(monitor.position(stranger, contracts.WETH!)).toEqual({ shares: 0n, collateral: 5n });
    expect(monitor.stats.positions).toBe(before.positions + 1);
    // the same key in a block with another hash is a reorg: the book is rebuilt from the chain's logs
    await expect(monitor.applyEvents([{ ...deposit, blockHash: `0x${'22'.repeat(32)}` }])).rejects.toThrow(/reorganised/);
    expect(monitor.stats.rebuilds).toBe(1);
    await monitor.tick();
    expect(monitor.position(stranger, contracts.WETH!)).toBeUndefined();
    expect(borrowers.map(shares)).toEqual(snapshot);
  });

  it('a transient RPC error mid catch-up, then a retry, gives the same book: a 50% repay is not read as 0 debt, a 60% repay never goes negative', async () => {
    const chain = devnet.chains[0]!;
    // two fresh positions at 0.8 LTV; one repays half its shares, the other 60%
    const s = parseScenario({
      borrowers: { count: 1, collateral: { asset: 'WETH', amount: [2, 2] }, ltv: [0.8, 0.8], seed: 2 },
      pricePath: [{ t: 0, asset: 'WETH', price: 1500 }],
    });
    const [half] = await openPositions(s, 1, chain, deployer, contracts, contracts.WETH!, () => {}, 400);
    const [most] = await openPositions(s, 1, chain, deployer, contracts, contracts.WETH!, () => {}, 500);
    await clock.refresh(); // setup mined its own blocks

    // the monitor's transport fails the next request of a chosen method once, as a flaky node would
    const real = http(chain.rpcUrl, { retryCount: 0 })({ chain: toViemChain(chain) });
    let failNext: string | undefined;
    let failures = 0;
    const flaky = createPublicClient({
      chain: toViemChain(chain),
      transport: custom(
        {
          async request({ method, params }: { method: string; params?: unknown }) {
            if (method === failNext) {
              failNext = undefined;
              failures++;
              throw new Error('injected: connection reset by peer');
            }
            return real.request({ method, params } as never);
          },
        },
        { retryCount: 0 },
      ),
    });
    const seen: LiquidationInstruction[] = [];
    const monitor = new LiquidationMonitor({
      chain: 'hub',
      client: flaky,
      pool: contracts.LendingPool!,
      liquidator: contracts.Liquidator!,
      fromBlock: BigInt(devnet.manifest.chains.hub!.deployedAtBlock),
      pollMs: 60_000,
      reissueMs: 0,
      onInstruction: (i) => void seen.push(i),
    });
    monitors.push(monitor);
    await monitor.start();

    const onChain = async (b: Address) => (await deployer.public.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'position', args: [b, contracts.WETH!] })).borrowShares;
    let block = clock.latest.number;
    for (const [borrower, index, share] of [
      [half!, 1400, 50n],
      [most!, 1500, 60n],
    ] as const) {
      const c = chainClients(chain, scenarioAccount(index), 50);
      const owed = await onChain(borrower);
      const nonce = await deployer.public.getTransactionCount({ address: borrower, blockTag: 'pending' });
      await c.wallet.writeContract({ address: contracts.USDC!, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, 10n ** 30n], nonce, gas: 100_000n });
      await c.wallet.writeContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'repay', args: [contracts.WETH!, 0n, (owed * share) / 100n, borrower], nonce: nonce + 1, gas: 300_000n });
    }
    block = (await clock.mine(1)).number;
    expect(await onChain(half!)).toBeGreaterThan(0n);

    // the repays are applied, then the pass's first read fails: the step fails and is retried
    failNext = 'eth_call';
    await monitor.tick();
    expect(failures).toBe(1);
    expect(monitor.health().ok).toBe(false);
    await monitor.tick();
    expect(monitor.health().ok).toBe(true);
    expect(monitor.processedBlock).toBe(block);
    for (const b of [half!, most!]) expect(monitor.position(b, contracts.WETH!)!.shares).toBe(await onChain(b));

    // a log query failing halfway through a catch-up in small chunks: retried, still the same book
    const chunked = new LiquidationMonitor({ chain: 'hub', client: flaky, pool: contracts.LendingPool!, liquidator: contracts.Liquidator!, fromBlock: BigInt(devnet.manifest.chains.hub!.deployedAtBlock), pollMs: 60_000, logChunk: 3n, onInstruction: () => {} });
    monitors.push(chunked);
    const fresh = newMonitor([]);
    await fresh.start();
    failNext = 'eth_getLogs';
    await chunked.start();
    await chunked.tick();
    expect(failures).toBe(2);
    for (const b of [...borrowers, half!, most!]) expect(chunked.position(b, contracts.WETH!)).toEqual(fresh.position(b, contracts.WETH!));
    expect(chunked.stats.positions).toBe(fresh.stats.positions);

    // a drop that makes the half-repaid position liquidatable: instructed (it still owes half)
    seen.length = 0;
    await pusher.push('WETH', 600);
    block = (await clock.mine(1)).number;
    await monitor.tick();
    const liquidatable = await onChainLiquidatable(block);
    const [, , halfLiquidatable] = await deployer.public.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'health', args: [half!, contracts.WETH!], blockNumber: block });
    expect(halfLiquidatable).toBe(true);
    expect(seen.map((i) => i.borrower)).toContain(half);
    expect(seen.map((i) => i.borrower)).not.toContain(most);
    expect(seen.map((i) => i.borrower).filter((b) => borrowers.includes(b)).sort()).toEqual(liquidatable);
  });
});
