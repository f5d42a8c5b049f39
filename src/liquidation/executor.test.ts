import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventLogs, type Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { ChainClock } from '../oracle/chainClock.ts';
import { PricePusher } from '../oracle/pricePusher.ts';
import { LiquidationExecutor } from './executor.ts';
import type { LiquidationInstruction } from './instruction.ts';
import { openPositions } from './scenario.ts';
import { parseScenario } from './scenarioFile.ts';

describe('liquidation executor on a devnet chain', () => {
  let devnet: Devnet;
  let contracts: Record<string, Address>;
  let deployer: ChainClients;
  let clock: ChainClock;
  let borrower: Address;
  let executor: LiquidationExecutor;
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-executor-test-'));

  beforeAll(async () => {
    devnet = await startDevnet({ hubOnly: true, portBase: 33545, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
    const chain = devnet.chains[0]!;
    contracts = devnet.manifest.chains[chain.name]!.contracts as Record<string, Address>;
    deployer = chainClients(chain, devnetAccount('deployer'), 50);
    clock = new ChainClock(deployer.public);
    await clock.takeOver(); // blocks are mined on purpose only: openPositions mines its own
    const s = parseScenario({
      borrowers: { count: 1, collateral: { asset: 'WETH', amount: [2, 2] }, ltv: [0.8, 0.8], seed: 1 },
      pricePath: [{ t: 0, asset: 'WETH', price: 2000 }],
    });
    borrower = (await openPositions(s, 1, chain, deployer, contracts, contracts.WETH!, () => {}))[0]!;
    await clock.takeOver();
    const pusher = new PricePusher({
      clients: chainClients(chain, devnetAccount('pricePusher'), 50),
      oracle: contracts.PriceOracle!,
      assets: { WETH: { token: contracts.WETH!, feed: contracts.WETHFeed! } },
      clock,
    });
    await pusher.push('WETH', 1700); // 0.8 LTV at 2,000 is a 106% collateral ratio at 1,700
    await clock.mine(1);
    executor = new LiquidationExecutor({ chain: 'hub', clients: chainClients(chain, devnetAccount('executor'), 50), liquidator: contracts.Liquidator!, pollMs: 60_000 });
    await executor.start();
    await clock.mine(1); // the approval
  }, 180_000);

  afterAll(async () => {
    await executor?.stop();
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const instruction = (over: Partial<LiquidationInstruction> = {}): LiquidationInstruction => ({
    chain: 'hub',
    pool: contracts.LendingPool!,
    liquidator: contracts.Liquidator!,
    borrower,
    collateral: contracts.WETH!,
    reason: 'unhealthy',
    observedBlock: Number(clock.latest.number),
    priceBlock: Number(clock.latest.number),
    collateralValue: '0',
    debtValue: '0',
    ...over,
  });

  it("ignores instructions for another chain or another liquidator", async () => {
    expect(await executor.handle(instruction({ chain: 'polygon' }))).toBe('skipped');
    expect(await executor.handle(instruction({ liquidator: contracts.LendingPool! }))).toBe('skipped');
    expect(executor.stats.kicks).toBe(0);
  });

  it('kicks once however often it is told, and not again once the position is in a lot', async () => {
    const results = await Promise.all([executor.handle(instruction()), executor.handle(instruction())]);
    expect(results.sort()).toEqual(['kicked', 'skipped']);
    const block = await clock.mine(1);
    await executor.tick();
    expect(executor.activeLots).toBe(1);
    const logs = await deployer.public.getLogs({ address: contracts.Liquidator!, fromBlock: block.number, toBlock: block.number });
    expect(parseEventLogs({ abi: abis.Liquidator, logs, eventName: 'Kick' })).toHaveLength(1);
    expect(await executor.handle(instruction())).toBe('skipped');
    expect(executor.stats.kicks).toBe(1);
  });

  it('takes the lot once its price is at or below the oracle valuation, not before', async () => {
    // the lot starts at 110%: 104.5% after 10 s, 99.3% after 20 s
    let block = await clock.mine(10);
    await executor.tick();
    expect(executor.stats.takes).toBe(0);
    block = await clock.mine(10);
    await executor.tick();
    expect(executor.stats.takes).toBe(1);
    block = await clock.mine(1);
    await executor.tick();
    const logs = await deployer.public.getLogs({ address: contracts.Liquidator!, fromBlock: block.number, toBlock: block.number });
    const [take] = parseEventLogs({ abi: abis.Liquidator, logs, eventName: 'Take' });
    const [finished] = parseEventLogs({ abi: abis.Liquidator, logs, eventName: 'LotFinished' });
    expect(take!.args.taker).toBe(executor.address);
    expect(finished!.args.shortfall).toBe(0n);
    expect(finished!.args.collateralReturned).toBeGreaterThan(0n);
    expect(executor.activeLots).toBe(0);
    expect(executor.health().ok).toBe(true);
  });
});
