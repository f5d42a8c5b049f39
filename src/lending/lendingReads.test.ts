import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import type { Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { send } from '../chain/tx.ts';
import { ChainClock } from '../oracle/chainClock.ts';
import { WAD } from './health.ts';
import { LendingReader, type AccountView } from './lendingReads.ts';
import { SECONDS_PER_YEAR, borrowRatePerSecondWad, utilizationWad } from './marketMath.ts';

const E6 = 10n ** 6n;
const E8 = 10n ** 8n;
const E18 = 10n ** 18n;

describe('lending reads on a devnet chain', () => {
  let devnet: Devnet;
  let contracts: Record<string, Address>;
  let reader: LendingReader;
  let borrower: ChainClients;
  let pusher: ChainClients;
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-lending-reads-'));

  beforeAll(async () => {
    devnet = await startDevnet({ hubOnly: true, portBase: 35545, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
    const chain = devnet.chains[0]!;
    const deployment = devnet.manifest.chains[chain.name]!;
    contracts = deployment.contracts as Record<string, Address>;
    reader = new LendingReader({ name: chain.name, ...deployment });
    borrower = chainClients(chain, devnetAccount('borrower'), 50);
    pusher = chainClients(chain, devnetAccount('pricePusher'), 50);
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const wethPosition = (a: AccountView) => a.positions.find((p) => p.collateral.symbol === 'WETH')!;

  it('lists the market: assets with oracle prices, thresholds, supplied and no borrows yet', async () => {
    const m = await reader.market();
    expect(m.chain).toBe('hub');
    expect(m.loanAsset).toMatchObject({ symbol: 'USDC', decimals: 6, priceUsd8: 1n * E8 });
    expect(m.collaterals.map((c) => c.token.symbol)).toEqual(['WETH', 'WBTC']);
    const weth = m.collaterals[0]!;
    expect(weth).toMatchObject({ liquidationRatioWad: 11n * 10n ** 17n, maxLtvWad: 8n * 10n ** 17n, enabled: true, minDebt: 100n * E6 });
    expect(m.paused).toBe(false);
    expect(weth.token.priceUsd8).toBe(2_000n * E8);
    expect(m.collaterals[1]!.token.priceUsd8).toBe(60_000n * E8);
    expect(m.totalSupplyAssets).toBe(1_000_000n * E6); // the devnet's liquidity provider
    expect(m.totalBorrowAssets).toBe(0n);
    expect(m.utilizationWad).toBe(0n);
    expect(m.liquidity).toBe(1_000_000n * E6);
    expect(m.rateModel).toEqual({ baseRateBps: 0, slope1Bps: 400, slope2Bps: 6000, kinkBps: 8000 });
    expect(m.contracts.pool).toBe(contracts.LendingPool);
  });

  it('shows a borrower its position: health factor, liquidation price, room to borrow and withdraw', async () => {
    await send(borrower, { address: contracts.WETH!, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, 10n * E18] });
    await send(borrower, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supplyCollateral', args: [contracts.WETH!, 10n * E18, borrower.wallet.account.address] });
    await send(borrower, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'borrow', args: [contracts.WETH!, 15_000n * E6] });

    const a = await reader.account(borrower.wallet.account.address);
    expect(a.qualification).toEqual({ qualified: true, reason: 'qualified', code: 'QUALIFIED' });
    const p = wethPosition(a);
    expect(p.open).toBe(true);
    expect(p.collateralAmount).toBe(10n * E18);
    expect(p.debt).toBeGreaterThanOrEqual(15_000n * E6);
    expect(p.debt).toBeLessThan(15_000n * E6 + E6); // interest of a few seconds
    expect(p.liquidatable).toBe(false);
    // 20,000 USD against ~15,000: ratio 1.333, health factor 1.333 / 1.1 = 1.2121
    expect(Number(p.healthFactorWad!) / 1e18).toBeCloseTo(20_000 / 15_000 / 1.1, 4);
    expect(p.collateralValueWad).toBe(20_000n * E18);
    // liquidatable below 15,000 × 1.1 / 10 = 1,650 USD per WETH
    expect(Number(p.liquidationPriceUsd8!) / 1e8).toBeCloseTo(1_650, 2);
    // borrow limit 80% of 20,000 = 16,000: about 1,000 more
    expect(Number(p.borrowable) / 1e6).toBeCloseTo(1_000, 0);
    // 15,000 / (2,000 × 0.8) = 9.375 WETH must stay
    expect(Number(p.withdrawable) / 1e18).toBeCloseTo(0.625, 4);
    const wbtc = a.positions.find((x) => x.collateral.symbol === 'WBTC')!;
    expect(wbtc).toMatchObject({ open: false, debt: 0n, healthFactorWad: null, liquidationPriceUsd8: null });
    expect(a.wallet.find((w) => w.symbol === 'USDC')!.balance).toBe(10_000_000n * E6 + 15_000n * E6);

    const m = await reader.market();
    expect(m.collaterals[0]!.totalCollateral).toBe(10n * E18);
    expect(m.totalBorrowAssets).toBe(p.debt); // the only borrower: same accrual, same rounding up
  });

  it("quotes the pool's own rate: utilization and borrow rate mirror the contract", async () => {
    const stored = await borrower.public.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'market' });
    const onChain = await borrower.public.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'borrowRate' });
    const params = { baseRateBps: stored.baseRateBps, slope1Bps: stored.slope1Bps, slope2Bps: stored.slope2Bps, kinkBps: stored.kinkBps };
    expect(borrowRatePerSecondWad(stored.totalBorrowAssets + stored.auctionDebt, stored.totalSupplyAssets, params)).toBe(onChain);
    expect(onChain).toBeGreaterThan(0n);

    const m = await reader.market();
    expect(m.utilizationWad).toBe(utilizationWad(m.totalBorrowAssets + m.auctionDebt, m.totalSupplyAssets));
    // 1.5% utilization under the 80% kink: 4% × 1.5 / 80 = 0.075% a year
    expect(Number(m.borrowAprWad) / 1e18).toBeCloseTo(0.00075, 6);
    expect(m.borrowAprWad / SECONDS_PER_YEAR).toBe(m.borrowRatePerSecondWad);
    expect(Number(m.supplyAprWad) / 1e18).toBeCloseTo(0.00075 * 0.015, 8);
  });

  it('agrees with the pool at the liquidation price: healthy at it, liquidatable one unit below', async () => {
    // the test owns the clock here: each price lands one second after the block the threshold was read at,
    // so the debt has no time to grow past it (under CPU load, interval blocks could be seconds apart)
    const clock = new ChainClock(pusher.public);
    await clock.takeOver();
    try {
      const pushAndMine = async (answer: bigint) => {
        await pusher.wallet.writeContract({ address: contracts.WETHFeed!, abi: abis.DevnetPriceFeed, functionName: 'updateAnswer', args: [answer], gas: 200_000n });
        await pusher.wallet.writeContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'update', args: [contracts.WETH!], gas: 200_000n });
        await clock.mine(1);
        return wethPosition(await reader.account(borrower.wallet.account.address));
      };
      const before = wethPosition(await reader.account(borrower.wallet.account.address));
      const threshold = before.liquidationPriceUsd8!;
      const at = await pushAndMine(threshold);
      expect(at.collateral.priceUsd8).toBe(threshold);
      expect(at.liquidatable).toBe(false);
      expect(at.healthFactorWad!).toBeGreaterThanOrEqual(WAD);
      const below = await pushAndMine(threshold - 1n);
      expect(below.liquidatable).toBe(true);
      expect(below.healthFactorWad!).toBeLessThan(WAD);
      expect(below.collateral.priceUsd8!).toBeLessThan(below.liquidationPriceUsd8!);
      await pushAndMine(2_000n * E8);
    } finally {
      await clock.intervalMining(1);
    }
  });

  it('says why an account may not borrow, and shows a refused price instead of failing', async () => {
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const a = await reader.account(stranger);
    expect(a.qualification).toEqual({ qualified: false, reason: 'no grant', code: 'NO_GRANT' });
    expect(a.positions.every((p) => !p.open)).toBe(true);

    // a broken feed (a zero answer): the oracle refuses it, the page shows why instead of failing
    await send(pusher, { address: contracts.WETHFeed!, abi: abis.DevnetPriceFeed, functionName: 'updateAnswer', args: [0n] });
    const m = await reader.market();
    expect(m.collaterals[0]!.token.price).toBeNull();
    expect(m.collaterals[0]!.token.priceError).toBe('InvalidPrice');
    const p = wethPosition(await reader.account(borrower.wallet.account.address));
    expect(p).toMatchObject({ liquidatable: null, healthFactorWad: null, borrowable: 0n });
    await send(pusher, { address: contracts.WETHFeed!, abi: abis.DevnetPriceFeed, functionName: 'updateAnswer', args: [2_000n * E8] });
    expect(wethPosition(await reader.account(borrower.wallet.account.address)).liquidatable).toBe(false);
  });
});
