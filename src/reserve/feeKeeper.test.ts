import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseEventLogs, type Address } from 'viem';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { abis } from '../chain/abi/generated.ts';
import { send } from '../chain/tx.ts';
import { chainServices, type ChainServices } from '../cli/services.ts';

/**
 * The fee keeper on a running devnet chain with the same services `npm start` runs: a crash deep enough
 * that the reserve cannot cover every shortfall leaves `pendingShortfall` on the liquidator; once the
 * reserve is topped up the keeper pays it without anyone asking.
 */
describe('fee keeper', () => {
  let devnet: Devnet;
  let dir: string;
  let set: ChainServices;
  let deployer: ChainClients;
  let c: Record<string, Address>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-keeper-'));
    devnet = await startDevnet({ hubOnly: true, portBase: 27745, blockTimeSeconds: 1, stateDir: dir, demoPositions: true, onProgress: () => {} });
    const chain = devnet.chains[0]!;
    c = devnet.manifest.chains[chain.name]!.contracts as Record<string, Address>;
    deployer = chainClients(chain, devnetAccount('deployer'), 100);
    // a large position: 200 WETH against 300,000 USDC (75% at 2,000)
    const whale = chainClients(chain, devnetAccount('secondLiquidityProvider'), 100);
    await send(whale, { address: c.WETH!, abi: abis.DevnetToken, functionName: 'approve', args: [c.LendingPool!, 200n * 10n ** 18n] });
    await send(whale, { address: c.LendingPool!, abi: abis.LendingPool, functionName: 'supplyCollateral', args: [c.WETH!, 200n * 10n ** 18n, whale.wallet.account.address] });
    await send(whale, { address: c.LendingPool!, abi: abis.LendingPool, functionName: 'borrow', args: [c.WETH!, 300_000n * 10n ** 6n] });
    set = chainServices(devnet.manifest, { priceFeed: { priceFeed: { mode: 'off' } }, pollMs: 250, feeKeeperMs: 1_000 })[0]!;
    for (const s of set!.services) await s.start();
  });

  afterAll(async () => {
    for (const s of [...(set?.services ?? [])].reverse()) await s.stop().catch(() => {});
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pending = () => deployer.public.readContract({ address: c.Liquidator!, abi: abis.Liquidator, functionName: 'pendingShortfall' });

  async function until<T>(what: string, fn: () => Promise<T | false | undefined>, ms: number): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('covers a pending shortfall once the reserve can pay it', async () => {
    await set.priceFeed.set('WETH', 600);
    // 200 WETH at 600 raise ~120,000 against 300,000 of debt: more shortfall than the reserve's 100,000
    const owed = await until('a pending shortfall', async () => {
      const p = await pending();
      return p > 0n && p;
    }, 120_000);
    expect(set.feeKeeper.stats.covers).toBe(0); // the reserve is empty: nothing to pay with

    const topUp = 500_000n * 10n ** 6n;
    await send(deployer, { address: c.USDC!, abi: abis.DevnetToken, functionName: 'mint', args: [deployer.wallet.account.address, topUp] });
    await send(deployer, { address: c.USDC!, abi: abis.DevnetToken, functionName: 'approve', args: [c.RiskReserve!, topUp] });
    await send(deployer, { address: c.RiskReserve!, abi: abis.RiskReserve, functionName: 'deposit', args: [topUp] });

    await until('the keeper to cover it', async () => (await pending()) === 0n, 60_000);
    const logs = await deployer.public.getLogs({ address: c.Liquidator!, fromBlock: 0n });
    const covered = parseEventLogs({ abi: abis.Liquidator, logs }).filter((e) => e.eventName === 'PendingShortfallCovered');
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.reduce((x, e) => x + (e.args as { paid: bigint }).paid, 0n)).toBeGreaterThanOrEqual(owed);
    // sent by the keeper, unasked
    for (const e of covered) expect((await deployer.public.getTransaction({ hash: e.transactionHash })).from.toLowerCase()).toBe(devnetAccount('feeKeeper').address.toLowerCase());
    await until('the keeper to count it', async () => set.feeKeeper.stats.covers > 0, 10_000);
    expect(set.feeKeeper.health().ok).toBe(true);
  });
});
