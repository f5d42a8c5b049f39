import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { ChainClock } from './chainClock.ts';
import { PricePusher } from './pricePusher.ts';
import { withinBps } from './pricePath.ts';

describe('price pusher on a devnet chain', () => {
  let devnet: Devnet;
  let contracts: Record<string, Address>;
  let pusherClients: ChainClients;
  let clock: ChainClock;
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-pusher-test-'));

  beforeAll(async () => {
    devnet = await startDevnet({ hubOnly: true, portBase: 34545, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
    const chain = devnet.chains[0]!;
    contracts = devnet.manifest.chains[chain.name]!.contracts as Record<string, Address>;
    pusherClients = chainClients(chain, devnetAccount('pricePusher'), 50);
    clock = new ChainClock(pusherClients.public);
    await clock.takeOver();
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const pusher = (pace: number, afterBlock?: () => Promise<void>, splitMoves?: boolean) =>
    new PricePusher({
      splitMoves,
      clients: pusherClients,
      oracle: contracts.PriceOracle!,
      assets: { WETH: { token: contracts.WETH!, feed: contracts.WETHFeed! }, WBTC: { token: contracts.WBTC!, feed: contracts.WBTCFeed! } },
      clock,
      pace: () => pace,
      afterBlock,
    });

  it('runs on a devnet oracle with a guardian that is not the timelock, and an hour move window', async () => {
    const read = (functionName: 'guardian' | 'moveWindow') =>
      pusherClients.public.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName } as never) as Promise<unknown>;
    expect(await read('guardian')).toBe(devnetAccount('deployer').address);
    expect(await read('guardian')).not.toBe(contracts.Timelock);
    expect(await read('moveWindow')).toBe(3600);
  });

  it('plays an hour of chain time in a few dozen blocks and lands on every knot', async () => {
    const start = await clock.refresh();
    let blocks = 0;
    const r = await pusher(60, async () => void blocks++).play([
      { t: 0, asset: 'WETH', price: 2000 },
      { t: 1800, asset: 'WETH', price: 1700 },
      { t: 3600, asset: 'WETH', price: 1400 },
      { t: 0, asset: 'WBTC', price: 60000 },
      { t: 3600, asset: 'WBTC', price: 66000 },
    ]);
    const end = await clock.refresh();
    expect(end.timestamp - start.timestamp).toBeGreaterThanOrEqual(3600);
    expect(blocks).toBe(r.blocks);
    expect(r.blocks).toBeLessThanOrEqual(3600 / 60 + 2);
    expect(r.pushes.find((p) => p.asset === 'WETH' && p.t === 1800)?.price).toBe(1700);
    expect(r.pushes.find((p) => p.asset === 'WETH' && p.t === 3600)?.price).toBe(1400);
    const weth = await pusherClients.public.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'lastAcceptedAnswer', args: [contracts.WETH!] });
    const wbtc = await pusherClients.public.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'lastAcceptedAnswer', args: [contracts.WBTC!] });
    // the oracle stores a 32-bit-mantissa float: compare within its precision
    expect(Number(weth) / 1e8).toBeCloseTo(1400, 3);
    expect(Number(wbtc) / 1e8).toBeCloseTo(66000, 1);
  }, 120_000);

  it('splits a 60% move into steps inside the oracle guard and has each accepted', async () => {
    const r = await pusher(30).play([
      { t: 0, asset: 'WETH', price: 2000 },
      { t: 1, asset: 'WETH', price: 800 },
    ]);
    const steps = r.pushes.filter((p) => p.asset === 'WETH');
    expect(steps.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < steps.length; i++) expect(withinBps(steps[i - 1]!.answer, steps[i]!.answer, 3000)).toBe(true);
    expect(steps.at(-1)!.answer).toBe(800n * 10n ** 8n);
    expect(steps.every((p) => p.status === 'accepted')).toBe(true);
    // every step of the jump sits in one block: the chain never sees a half-way price between blocks
    expect(new Set(steps.filter((p) => p.t === 1).map((p) => p.block)).size).toBe(1);
    expect(steps.filter((p) => p.t === 1).length).toBeGreaterThanOrEqual(4);
    const price = await pusherClients.public.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.WETH!] });
    expect(price).toBe(800n * 10n ** 18n);
  }, 120_000);

  it('with splitMoves off pushes a 60% move as one round, which the oracle holds pending at the lower bound', async () => {
    const read = <F extends 'lastAcceptedAnswer' | 'peek'>(functionName: F) =>
      pusherClients.public.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName, args: [contracts.WETH!] } as never) as Promise<bigint>;
    const before = await read('lastAcceptedAnswer');
    const from = Number(await read('peek')) / 1e18;
    const r = await pusher(30, undefined, false).play([
      { t: 0, asset: 'WETH', price: from },
      { t: 1, asset: 'WETH', price: from * 0.4 },
    ]);
    const crash = r.pushes.filter((p) => p.asset === 'WETH' && p.t === 1);
    expect(crash).toHaveLength(1);
    expect(crash[0]!.status).toBe('pending');
    expect(await read('lastAcceptedAnswer')).toBe(before);
    const [collateral] = await pusherClients.public.readContract({
      address: contracts.PriceOracle!,
      abi: abis.PriceOracle,
      functionName: 'peekLiquidationPrices',
      args: [contracts.WETH!, contracts.USDC!],
    });
    expect(collateral).toBe(crash[0]!.answer * 10n ** 10n);
  }, 120_000);
});
