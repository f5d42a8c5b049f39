import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maxUint256, type Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { ChainClock } from '../oracle/chainClock.ts';
import { PricePusher } from '../oracle/pricePusher.ts';
import { LendingReader } from '../lending/lendingReads.ts';
import { ReserveReader } from '../reserve/reserveReads.ts';
import { AuctionReader, auctionPriceAt, lotCollateral, wPow } from './auctions.ts';
import { openPositions } from './scenario.ts';
import { parseScenario } from './scenarioFile.ts';

const E6 = 10n ** 6n;
const WAD = 10n ** 18n;

describe('wPow', () => {
  it('matches the stairstep factors the contract uses (0.95^k, each product rounded down)', () => {
    const f = 95n * 10n ** 16n;
    expect(wPow(f, 0n)).toBe(WAD);
    expect(wPow(f, 1n)).toBe(f);
    expect(wPow(f, 2n)).toBe((f * f) / WAD);
    expect(auctionPriceAt(2_000n, 25n, 10, 9_500)).toBe((2_000n * ((f * f) / WAD)) / WAD);
  });
});

describe('auction and reserve reads on a devnet chain', () => {
  let devnet: Devnet;
  let contracts: Record<string, Address>;
  let clock: ChainClock;
  let pusher: PricePusher;
  let executor: ChainClients;
  let borrowers: Address[];
  let auctions: AuctionReader;
  let reserve: ReserveReader;
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-auction-reads-'));

  beforeAll(async () => {
    devnet = await startDevnet({ hubOnly: true, portBase: 36545, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
    const chain = devnet.chains[0]!;
    const deployment = devnet.manifest.chains[chain.name]!;
    contracts = deployment.contracts as Record<string, Address>;
    const deployer = chainClients(chain, devnetAccount('deployer'), 50);
    clock = new ChainClock(deployer.public);
    await clock.automine();
    const s = parseScenario({
      borrowers: { count: 2, collateral: { asset: 'WETH', amount: [2, 2] }, ltv: [0.8, 0.8], seed: 1 },
      pricePath: [{ t: 0, asset: 'WETH', price: 2000 }],
    });
    borrowers = await openPositions(s, 2, chain, deployer, contracts, contracts.WETH!, () => {});
    executor = chainClients(chain, devnetAccount('executor'), 50);
    await executor.wallet.writeContract({ address: contracts.USDC!, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.Liquidator!, maxUint256] });
    await clock.takeOver();
    pusher = new PricePusher({
      clients: chainClients(chain, devnetAccount('pricePusher'), 50),
      oracle: contracts.PriceOracle!,
      assets: { WETH: { token: contracts.WETH!, feed: contracts.WETHFeed! } },
      clock,
    });
    await pusher.push('WETH', 1700); // 0.8 LTV at 2,000 is a 106% collateral ratio at 1,700
    await clock.mine(1);
    const lending = new LendingReader({ name: chain.name, ...deployment });
    auctions = new AuctionReader(lending, contracts.Liquidator);
    reserve = new ReserveReader(chain.name, lending.client, contracts.RiskReserve, contracts.Liquidator);
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const kick = (borrower: Address) => executor.wallet.writeContract({ address: contracts.Liquidator!, abi: abis.Liquidator, functionName: 'kick', args: [borrower, contracts.WETH!], gas: 400_000n });
  const takeAll = (id: bigint, maxPrice: bigint) =>
    executor.wallet.writeContract({ address: contracts.Liquidator!, abi: abis.Liquidator, functionName: 'take', args: [id, maxUint256, maxPrice, executor.wallet.account.address, '0x'], gas: 500_000n });
  const status = (id: bigint) => executor.public.readContract({ address: contracts.Liquidator!, abi: abis.Liquidator, functionName: 'status', args: [id] });

  it('shows a kicked lot live, priced as the liquidator prices it, step after step', async () => {
    await kick(borrowers[0]!);
    await kick(borrowers[1]!);
    const kicked = await clock.mine(1);
    const view = await auctions.auctions();
    expect(view.live).toHaveLength(2);
    expect(view.params).toMatchObject({ stepSeconds: 10, stepFactorBps: 9_500, startPremiumBps: 11_000, floorBps: 9_000 });
    const lot = view.live.find((l) => l.borrower === borrowers[0])!;
    expect(lotCollateral(lot.id).toLowerCase()).toBe(contracts.WETH!.toLowerCase());
    expect(lot.collateral.symbol).toBe('WETH');
    expect(lot.kickTime).toBe(BigInt(kicked.timestamp));
    expect(lot.collateralAmount).toBe(2n * WAD);
    expect(lot.fee).toBe((lot.debt * 500n) / 10_000n);
    expect(lot.curve[0]).toEqual({ at: lot.roundStartTime, price: lot.startPrice });
    // the valuation is 1,700 USDC per WETH in the auction unit; the lot starts at 110% of it
    expect(lot.valuation).toBe((1_700n * 10n ** 8n * 10n ** 10n * 10n ** 36n) / 10n ** 30n);
    expect(lot.startPrice).toBe((lot.valuation * 11_000n) / 10_000n);

    // two steps: 110% × 0.95² = 99.3% of the valuation, where 2 WETH still raise the debt and the 5% fee
    for (let step = 0; step < 2; step++) {
      const v = (await auctions.auctions()).live.find((l) => l.id === lot.id)!;
      const [, price] = await status(lot.id);
      expect(v.price).toBe(price);
      expect(v.nextStepAt).toBe(lot.roundStartTime + BigInt(step + 1) * 10n);
      expect(v.curve[step + 1]!.price).toBe(v.nextPrice);
      const next = await clock.mine(Number(v.nextStepAt) - clock.latest.timestamp);
      expect(BigInt(next.timestamp)).toBe(v.nextStepAt);
      const [, stepped] = await status(lot.id);
      expect(stepped).toBe(v.nextPrice); // the mirror's next price is the contract's
    }
  });

  it('records a sold lot with its outcome: debt and fee raised, the rest back to the borrower', async () => {
    const lot = (await auctions.auctions()).live.find((l) => l.borrower === borrowers[0])!;
    expect(lot.needsReset).toBe(false);
    await takeAll(lot.id, lot.price);
    await clock.mine(1);
    const view = await auctions.auctions();
    expect(view.live.map((l) => l.id)).not.toContain(lot.id);
    const done = view.recent.find((l) => l.id === lot.id)!;
    expect(done.finished).toMatchObject({ outcome: 'sold', shortfall: 0n, coveredByReserve: 0n });
    expect(done.finished!.collateralReturned).toBeGreaterThan(0n);
    expect(done.takes).toHaveLength(1);
    expect(done.takes[0]!.taker).toBe(executor.wallet.account.address);
    expect(done.raised).toBe(done.debt + done.fee);
    expect(done.collateralSold + done.finished!.collateralReturned).toBe(done.collateralAmount);
    expect((await auctions.lotsOf(borrowers[0]!)).finished.map((l) => l.id)).toEqual([lot.id]);
  });

  it('shows the reserve paying a shortfall: the lot says so and the reserve lists the movement', async () => {
    const before = await reserve.read();
    expect(before.asset.symbol).toBe('USDC');
    expect(before.balance).toBe(100_000n * E6); // the devnet's seed deposit
    expect(before.movements.at(-1)).toMatchObject({ kind: 'deposit', amount: 100_000n * E6, balance: 100_000n * E6 });
    expect(before.coverageRatioWad).toBe((before.balance * WAD) / before.outstandingDebt);

    // the second lot's collateral falls to 1,000 USD: 2 WETH cannot raise its ~3,200 USDC of debt
    await pusher.push('WETH', 1275);
    await clock.mine(1);
    await pusher.push('WETH', 1000);
    await clock.mine(1);
    let lot = (await auctions.auctions()).live.find((l) => l.borrower === borrowers[1])!;
    while (lot.nextPrice * 10_000n >= lot.valuation * 9_000n && lot.price > lot.valuation) {
      await clock.mine(Number(lot.nextStepAt) - clock.latest.timestamp);
      lot = (await auctions.auctions()).live.find((l) => l.borrower === borrowers[1])!;
    }
    expect(lot.needsReset).toBe(false);
    await takeAll(lot.id, lot.price);
    await clock.mine(1);
    const done = (await auctions.auctions()).recent.find((l) => l.id === lot.id)!;
    expect(done.finished!.outcome).toBe('shortfall');
    expect(done.finished!.shortfall).toBeGreaterThan(0n);
    expect(done.finished!.coveredByReserve).toBe(done.finished!.shortfall);

    const after = await reserve.read();
    expect(after.balance).toBe(before.balance - done.finished!.shortfall);
    expect(after.movements[0]).toMatchObject({ kind: 'shortfall-paid', amount: -done.finished!.shortfall, balance: after.balance });
    expect(after.pendingShortfall).toBe(0n);
  });

  it('applies each event once when two requests read at the same time', async () => {
    const lending = new LendingReader({ name: 'hub', ...devnet.manifest.chains.hub! });
    const fresh = new AuctionReader(lending, contracts.Liquidator);
    const [a, b] = await Promise.all([fresh.auctions(), fresh.auctions()]);
    for (const view of [a, b, await fresh.auctions()]) {
      expect(view.recent.map((l) => l.takes.length)).toEqual([1, 1]);
    }
    const freshReserve = new ReserveReader('hub', lending.client, contracts.RiskReserve, contracts.Liquidator);
    const [r1] = await Promise.all([freshReserve.read(), freshReserve.read()]);
    expect(r1.movements.map((m) => m.kind)).toEqual(['shortfall-paid', 'deposit']);
    expect((await freshReserve.read()).movements).toHaveLength(2);
  });
});
