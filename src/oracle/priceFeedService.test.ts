import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Address } from 'viem';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { abis } from '../chain/abi/generated.ts';
import { PriceFeedService, type PriceSource } from './priceFeedService.ts';
import { InputError } from '../shared/errors.ts';

// The running devnet's price feed on a real chain: the devnet feeds and the oracle's deviation guard.
describe('price feed service', () => {
  let devnet: Devnet;
  let dir: string;
  let pusher: ChainClients;
  let c: Record<string, Address>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-feed-'));
    devnet = await startDevnet({ hubOnly: true, portBase: 27845, blockTimeSeconds: 1, stateDir: dir, onProgress: () => {} });
    c = devnet.manifest.chains[devnet.chains[0]!.name]!.contracts as Record<string, Address>;
    pusher = chainClients(devnet.chains[0]!, devnetAccount('pricePusher'), 100);
  });
  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const service = (source: PriceSource, intervalMs = 300) =>
    new PriceFeedService({
      chain: 'hub',
      clients: pusher,
      oracle: c.PriceOracle!,
      assets: { WETH: { token: c.WETH!, feed: c.WETHFeed! }, USDC: { token: c.USDC!, feed: c.USDCFeed! } },
      source,
      intervalMs,
    });
  const oraclePrice = async (token: string) => Number(await pusher.public.readContract({ address: c.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [c[token]!] }));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('moves a price by hand past the deviation guard in guarded steps, recorded by the oracle', async () => {
    const feed = service({ kind: 'manual' });
    await feed.start();
    const wethBefore = await oraclePrice('WETH');
    const u = await feed.set('WETH', 1200); // a 40% fall: more than the oracle's 30% guard allows at once
    expect(u).toMatchObject({ asset: 'WETH', price: 1200, steps: 2 });
    expect((await feed.prices()).WETH).toBe(1200);
    expect((await oraclePrice('WETH')) / wethBefore).toBeCloseTo(0.6, 6);
    await expect(feed.set('DOGE', 1)).rejects.toThrow(InputError);
    await expect(feed.set('WETH', -5)).rejects.toThrow(/price must be positive/);
    expect((await feed.prices()).WETH).toBe(1200); // nothing changed
    await feed.stop();
  });

  it('walks the collaterals around their anchor and leaves the rest alone', async () => {
    const feed = service({ kind: 'random-walk', volatility: 0.01, meanReversion: 0.5, seed: 7, assets: ['WETH'] });
    await feed.start();
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      await sleep(500);
      const p = await feed.prices();
      seen.add(p.WETH!);
      expect(p.USDC).toBe(1);
      // a strong pull towards the anchor (1,200, set by hand above): a few percent at most
      expect(Math.abs(p.WETH! / 1200 - 1)).toBeLessThan(0.1);
    }
    expect(seen.size).toBeGreaterThan(2); // it moves
    expect(feed.health()).toMatchObject({ ok: true });
    await feed.stop();
  });

  it('replays a price file on the wall clock', async () => {
    const feed = service({ kind: 'replay', points: [{ t: 0, asset: 'WETH', price: 1200 }, { t: 2, asset: 'WETH', price: 1300 }], speed: 1, loop: false });
    await feed.start();
    await sleep(3_500);
    expect((await feed.prices()).WETH).toBe(1300);
    await feed.stop();
  });
});
