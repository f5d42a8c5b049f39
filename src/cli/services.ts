/**
 * The off-chain services `npm start` runs on every chain of a deployment, assembled in one place so the
 * stack, the tests and the e2e start the same set: the price feed, the liquidation monitor feeding an
 * executor, the market maker, and the fee keeper. Each runs with its own devnet actor and short RPC
 * timeouts, so a hung chain slows only its own services.
 */
import type { Address } from 'viem';
import { devnetAccount, type DevnetActor } from '../chain/accounts.ts';
import { chainClients, publicClient, type ChainEndpoint, type RpcLimits } from '../chain/clients.ts';
import type { Manifest } from '../chain/manifest.ts';
import { LiquidationExecutor } from '../liquidation/executor.ts';
import { LiquidationMonitor } from '../liquidation/monitor.ts';
import { PriceFeedService, type PriceSource } from '../oracle/priceFeedService.ts';
import { FeeKeeper } from '../reserve/feeKeeper.ts';
import type { PalisadeConfig } from '../shared/config.ts';
import { BaseError } from '../shared/errors.ts';
import type { Service } from '../shared/service.ts';

export type ChainServices = {
  chain: string;
  priceFeed: PriceFeedService;
  monitor: LiquidationMonitor;
  executor: LiquidationExecutor;
  maker: LiquidationExecutor;
  feeKeeper: FeeKeeper;
  /** In start order; each named `<chain>/<service>` for `/health`. */
  services: Service[];
};

export type ChainServicesOptions = {
  /** Price feed settings (the config's `priceFeed`, with a replay file's points). */
  priceFeed: Pick<PalisadeConfig, 'priceFeed' | 'priceFeedPoints'>;
  /** Poll interval of the monitor and executors (ms). Default 500: a quarter of a devnet block, and light on a laptop running four chains. */
  pollMs?: number;
  /** Fee keeper check interval (ms). Default 10,000. */
  feeKeeperMs?: number;
  /** Per-call RPC limits of every service (default 10 s, one retry). */
  rpc?: RpcLimits;
};

// long enough for a loaded laptop, short enough that a hung chain fails its services' step in seconds, not minutes
const SERVICE_RPC: RpcLimits = { timeoutMs: 10_000, retryCount: 1 };

/** A service under a per-chain name (`hub/liquidation-monitor`), so `/health` tells the chains apart. */
export function onChain(chain: string, s: Service): Service {
  return {
    name: `${chain}/${s.name}`,
    start: () => s.start(),
    stop: () => s.stop(),
    health: () => s.health(),
  };
}

export function priceSource(cfg: ChainServicesOptions['priceFeed']): { source: PriceSource; intervalMs: number } {
  const f = cfg.priceFeed;
  if (f.mode === 'off') return { source: { kind: 'manual' }, intervalMs: 5_000 };
  if (f.mode === 'replay') {
    if (!cfg.priceFeedPoints) throw new BaseError('priceFeed.mode is replay but no price file was loaded');
    return { source: { kind: 'replay', points: cfg.priceFeedPoints, speed: f.speed, loop: f.loop }, intervalMs: f.intervalSeconds * 1000 };
  }
  // the collaterals walk; USDC, the loan asset, stays at its peg unless moved by hand
  return { source: { kind: 'random-walk', volatility: f.volatility, meanReversion: f.meanReversion, seed: f.seed, assets: ['WETH', 'WBTC'] }, intervalMs: f.intervalSeconds * 1000 };
}

/** Builds (does not start) the services of every chain in the manifest. */
export function chainServices(manifest: Manifest, opts: ChainServicesOptions): ChainServices[] {
  const rpc = opts.rpc ?? SERVICE_RPC;
  const pollMs = opts.pollMs ?? 500;
  const { source, intervalMs } = priceSource(opts.priceFeed);
  return Object.entries(manifest.chains).map(([name, d], i) => {
    const endpoint: ChainEndpoint = { name, chainId: d.chainId, rpcUrl: d.rpcUrl };
    const need = (contract: string): Address => {
      const a = d.contracts[contract];
      if (!a) throw new BaseError(`${contract} is not deployed on ${name}`, { details: 'the services need a lending deployment' });
      return a as Address;
    };
    const as = (who: DevnetActor) => chainClients(endpoint, devnetAccount(who), pollMs, rpc);
    const assets: Record<string, { token: Address; feed: Address }> = {};
    for (const symbol of ['USDC', 'WETH', 'WBTC']) {
      const token = d.contracts[symbol];
      const feed = d.contracts[`${symbol}Feed`];
      if (token && feed) assets[symbol] = { token: token as Address, feed: feed as Address };
    }
    // each chain walks its own path (a seed per chain), as prices on separate markets do
    const chainSource: PriceSource = source.kind === 'random-walk' ? { ...source, seed: source.seed + i } : source;
    const priceFeed = new PriceFeedService({ chain: name, clients: as('pricePusher'), oracle: need('PriceOracle'), assets, source: chainSource, intervalMs });
    const executor = new LiquidationExecutor({ chain: name, clients: as('executor'), liquidator: need('Liquidator'), margin: 0, fromBlock: 0n, pollMs });
    const maker = new LiquidationExecutor({ chain: name, clients: as('marketMaker'), liquidator: need('Liquidator'), mode: 'maker', fromBlock: 0n, pollMs });
    const monitor = new LiquidationMonitor({
      chain: name,
      client: publicClient(endpoint, pollMs, rpc),
      pool: need('LendingPool'),
      liquidator: need('Liquidator'),
      // from genesis: the demo positions were opened during deployment
      fromBlock: 0n,
      pollMs,
      onInstruction: (instruction) => void executor.handle(instruction),
    });
    const feeKeeper = new FeeKeeper({
      chain: name,
      clients: as('feeKeeper'),
      pool: need('LendingPool'),
      liquidator: need('Liquidator'),
      reserve: need('RiskReserve'),
      intervalMs: opts.feeKeeperMs,
    });
    // executors before the monitor: its first pass may instruct at once
    const services = [priceFeed, executor, maker, monitor, feeKeeper].map((s) => onChain(name, s));
    return { chain: name, priceFeed, monitor, executor, maker, feeKeeper, services };
  });
}
