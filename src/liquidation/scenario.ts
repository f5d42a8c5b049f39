/**
 * Runs a liquidation scenario end to end on a fresh devnet chain with the real services:
 * opens the scenario's borrower positions, starts the liquidation monitor, an executor and a
 * market maker, plays the price path with the price pusher, waits until every unhealthy position
 * is liquidated and every auction has finished, then reports what happened from the chain's own
 * records (events and balances), not from the services' opinion of themselves.
 *
 * Time: the scenario owns the devnet's clock. Each block advances chain time by a bounded step
 * (at most a 0.5% move of the price path per block and 30 s, 2 s while an auction or an unhealthy
 * position exists, so auctions run their 10 s steps block by block), and the next block is mined
 * once the services have looked at the last one and sent their transactions, or after the block
 * time (1 s) if they are slower. The services themselves only poll the chain, as on a real network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, formatUnits, keccak256, parseEventLogs, type Abi, parseUnits, stringToHex, toHex, type Address, type Hex, type LocalAccount } from 'viem';
import { HDKey, hdKeyToAccount, type HDAccount } from 'viem/accounts';
import { pbkdf2Sync } from 'node:crypto';
import { abis } from '../chain/abi/generated.ts';
import { DEVNET_MNEMONIC, devnetAccount, type DevnetActor } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { ChainClock, type MinedBlock } from '../oracle/chainClock.ts';
import { assetPaths, priceAt, type AssetPath } from '../oracle/pricePath.ts';
import { PricePusher } from '../oracle/pricePusher.ts';
import { loadConfig, type PalisadeConfig } from '../shared/config.ts';
import { BaseError, InputError, oneLine } from '../shared/errors.ts';
import { debtOfShares, poolHealth } from '../lending/health.ts';
import { LiquidationExecutor } from './executor.ts';
import { positionKey, type LiquidationInstruction } from './instruction.ts';
import { LiquidationMonitor } from './monitor.ts';
import type { ScenarioFile } from './scenarioFile.ts';
import { seededRandom } from '../shared/seededRandom.ts';

export type ScenarioOptions = {
  /** The scenario's chain listens on this port (default 28545). */
  portBase?: number;
  /** Override the file's borrower count (tests use fewer). */
  borrowers?: number;
  config?: PalisadeConfig;
  onProgress?: (message: string) => void;
  /** Chain seconds per block when nothing is happening (default 30). */
  idleBlockSeconds?: number;
  /** Chain seconds per block while an auction runs or a position waits for its kick (default 2). */
  activeBlockSeconds?: number;
  /** Largest move of the price path within one block (default 0.005). */
  maxMovePerBlock?: number;
  /** Longest wall time a block waits for the services (the devnet's block time; default 1,000 ms). */
  blockTimeMs?: number;
  /** Longest wall time of the whole run after setup (default 15 minutes). */
  wallTimeoutMs?: number;
  /** Aborting stops the run at the next block; the devnet and services are stopped either way. */
  signal?: AbortSignal;
};

export type ScenarioReport = {
  scenario: string;
  positions: number;
  unhealthy: number;
  liquidated: number;
  /** Max blocks from the block whose price update made a position liquidatable to its Kick. */
  kickLatencyBlocks: number;
  auctions: number;
  /** Lots finished by takes / lots kicked. */
  fillRate: number;
  /** Mean chain seconds from kick to the lot's finish. */
  meanAuctionSeconds: number;
  /** Mean |take price − oracle valuation at the take| / valuation. */
  meanDisposalDeviation: number;
  maxDisposalDeviation: number;
  /** Lenders' claims not backed by pool assets at the end, in loan-asset units (USDC). */
  badDebt: number;
  /** Shortfalls the risk reserve paid, in loan-asset units. */
  reserveUsed: number;
  /** Lots whose collateral ran out before their debt was raised. */
  lotsWithShortfall: number;
  /** Unsold collateral returned to borrowers, in collateral-asset units. */
  returnedToBorrowers: number;
  returnedToBorrowersUsd: number;
  takes: number;
  makerTakes: number;
  resets: number;
  pricePushes: number;
  blocks: number;
  /** Blocks mined before the services had finished with the previous one (they were slower than the block time). */
  lateBlocks: number;
  chainSeconds: number;
  instructions: number;
  collateralAsset: string;
  durationMs: number;
  /** Wall time the report's own observer spent reading the chain while the path played and drained. */
  observerMs: number;
};

type Tracked = {
  borrower: Address;
  collateral: Address;
  unhealthyBlock?: bigint;
  kickBlock?: bigint;
};

type LotRecord = { id: bigint; key: string; kickBlock: bigint; kickTime: number; finishTime?: number; finishedByTake: boolean; returned: bigint; shortfall: bigint };

const WAD = 10n ** 18n;
const PRICE_SCALE = 10n ** 36n;
const YEAR = 365 * 24 * 3600;
const ACCREDITED = 2;
const BORROWER_INDEX_BASE = 1_000;
const SETUP_GAS = 1_000_000n;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** The borrowers a scenario opens: deterministic in the seed. */
export function drawBorrowers(s: ScenarioFile, count = s.borrowers.count): { index: number; amount: number; ltv: number }[] {
  const rnd = seededRandom(s.borrowers.seed);
  const [aMin, aMax] = s.borrowers.collateral.amount;
  const [lMin, lMax] = s.borrowers.ltv;
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    amount: aMin + (aMax - aMin) * rnd(),
    ltv: lMin + (lMax - lMin) * rnd(),
  }));
}

export async function runScenario(s: ScenarioFile, opts: ScenarioOptions = {}): Promise<ScenarioReport> {
  const started = Date.now();
  const say = opts.onProgress ?? (() => {});
  const config = opts.config ?? loadConfig();
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-scenario-'));
  let devnet: Devnet | undefined;
  const services: { stop(): Promise<void> }[] = [];
  try {
    devnet = await startDevnet({
      config: { ...config, stateDir },
      hubOnly: true,
      portBase: opts.portBase ?? 28545,
      blockTimeSeconds: 1,
      stateDir,
      onProgress: (m) => say(`devnet: ${m}`),
    });
    const chain = devnet.chains[0]!;
    const deployment = devnet.manifest.chains[chain.name]!;
    const contracts = deployment.contracts as Record<string, Address>;
    const at = (who: DevnetActor) => chainClients(chain, devnetAccount(who), 50);
    const deployer = at('deployer');
    const pub = deployer.public;
    const clock = new ChainClock(pub);

    const symbol = s.borrowers.collateral.asset;
    const collateral = contracts[symbol];
    const collateralFeed = contracts[`${symbol}Feed`];
    if (!collateral || !collateralFeed) throw new InputError(`borrowers.collateral.asset: ${symbol} is not a collateral of the devnet`, { details: 'use WETH or WBTC' });
    const paths = assetPaths(s.pricePath);
    const pushable: Record<string, { token: Address; feed: Address }> = {};
    for (const p of paths) {
      const token = contracts[p.asset];
      const feed = contracts[`${p.asset}Feed`];
      if (!token || !feed) throw new InputError(`pricePath: unknown asset ${p.asset}`, { details: 'the devnet has USDC, WETH and WBTC feeds' });
      pushable[p.asset] = { token, feed };
    }

    opts.signal?.throwIfAborted();
    // ---------------------------------------------------------------- setup (blocks mined on purpose)
    // the scenario owns block production from here: setup mines its own blocks once its transactions
    // are in the node's pool, never relying on automine (see openPositions)
    await clock.takeOver();
    const pusher = new PricePusher({ clients: at('pricePusher'), oracle: contracts.PriceOracle!, assets: pushable, clock, onProgress: (m) => say(`pusher: ${m}`) });
    const opening: Hex[] = [];
    for (const p of paths) for (const step of await pusher.push(p.asset, priceAt(p, 0))) opening.push(...step.hashes);
    if (opening.length > 0) {
      const b = await clock.mine(1);
      for (const hash of opening) {
        const r = await pub.getTransactionReceipt({ hash }).catch(() => undefined);
        if (r?.status !== 'success') throw new BaseError('opening price push failed during scenario setup', { details: `tx ${hash}, block ${b.number}` });
      }
    }
    const borrowers = await openPositions(s, opts.borrowers ?? s.borrowers.count, chain, deployer, contracts, collateral, say);

    opts.signal?.throwIfAborted();
    // ---------------------------------------------------------------- services
    const startBlock = await clock.refresh();
    const fromBlock = BigInt(deployment.deployedAtBlock);
    const instructions: LiquidationInstruction[] = [];
    const executor = new LiquidationExecutor({ chain: chain.name, clients: at('executor'), liquidator: contracts.Liquidator!, margin: s.executor.margin, fromBlock, pollMs: 50 });
    const maker = new LiquidationExecutor({ chain: chain.name, clients: at('marketMaker'), liquidator: contracts.Liquidator!, mode: 'maker', fromBlock, pollMs: 50 });
    const monitor = new LiquidationMonitor({
      chain: chain.name,
      client: pub,
      pool: contracts.LendingPool!,
      liquidator: contracts.Liquidator!,
      fromBlock,
      pollMs: 50,
      onInstruction: (i) => {
        instructions.push(i);
        void executor.handle(i);
      },
    });
    for (const svc of [executor, maker, monitor]) {
      await svc.start();
      services.push(svc);
    }
    say(`services: monitor, executor ${executor.address}, market maker ${maker.address}`);

    // ---------------------------------------------------------------- observer: the chain's own record
    // Per block: one log query (pool and liquidator) and three reads (the pool's borrow index and both
    // prices); open positions are judged with the pool's own rule in memory (src/lending/health.ts)
    // and a position the rule flags is confirmed once with the pool's `health` view. Valuations for
    // takes are the block's own prices, read while the node still holds that block's state (anvil
    // keeps a bounded history: reading a long-past block fails with "Invalid parameters").
    const tracked = new Map<string, Tracked>(borrowers.map((b) => [positionKey({ borrower: b, collateral }), { borrower: b, collateral }]));
    const held = new Map<string, { shares: bigint; collateral: bigint }>();
    for (let i = 0; i < borrowers.length; i += 64) {
      const slice = borrowers.slice(i, i + 64);
      const positions = await Promise.all(slice.map((b) => pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'position', args: [b, collateral], blockNumber: startBlock.number })));
      slice.forEach((b, j) => held.set(positionKey({ borrower: b, collateral }), { shares: positions[j]!.borrowShares, collateral: positions[j]!.collateral }));
    }
    const liquidationRatio = BigInt((await pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'collateralConfig', args: [collateral] })).liquidationRatio);
    const lots = new Map<bigint, LotRecord>();
    const takes: { lot: bigint; price: bigint; block: bigint; taker: Address; rebate: bigint; deviation: number }[] = [];
    let resets = 0;
    let reserveUsed = 0n;
    let observerMs = 0;
    const observe = async (block: MinedBlock) => {
      const observing = performance.now();
      try {
        await observeBlock(block);
      } finally {
        observerMs += performance.now() - observing;
      }
    };
    const observeBlock = async (block: MinedBlock) => {
      const [logs, market, pc, pl] = await Promise.all([
        pub.getLogs({ address: [contracts.LendingPool!, contracts.Liquidator!], fromBlock: block.number, toBlock: block.number }),
        pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'expectedMarket', blockNumber: block.number }),
        pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [collateral], blockNumber: block.number }),
        pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.USDC!], blockNumber: block.number }),
      ]);
      const poolAddress = contracts.LendingPool!.toLowerCase();
      for (const ev of parseEventLogs({ abi: abis.LendingPool, logs: logs.filter((l) => l.address.toLowerCase() === poolAddress), strict: false })) {
        const a = ev.args as Record<string, unknown>;
        const h = held.get(positionKey({ borrower: String(a.borrower), collateral: String(a.collateral) }));
        if (!h) continue;
        if (ev.eventName === 'Borrow') h.shares += a.shares as bigint;
        else if (ev.eventName === 'Repay') h.shares -= a.shares as bigint;
        else if (ev.eventName === 'SupplyCollateral') h.collateral += a.amount as bigint;
        else if (ev.eventName === 'WithdrawCollateral') h.collateral -= a.amount as bigint;
        else if (ev.eventName === 'Seize') Object.assign(h, { shares: 0n, collateral: 0n });
      }
      const index = { totalBorrowAssets: market.totalBorrowAssets, totalBorrowShares: market.totalBorrowShares };
      const flagged = [...tracked.entries()].filter(([key, t]) => {
        if (t.kickBlock !== undefined || t.unhealthyBlock !== undefined) return false;
        const h = held.get(key)!;
        return h.shares > 0n && poolHealth(h.collateral, pc, debtOfShares(h.shares, index), pl, liquidationRatio).liquidatable;
      });
      const verdicts = await Promise.all(
        flagged.map(([, t]) => pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'health', args: [t.borrower, t.collateral], blockNumber: block.number })),
      );
      flagged.forEach(([, t], i) => {
        if (verdicts[i]![2]) t.unhealthyBlock = block.number;
      });
      const liquidatorAddress = contracts.Liquidator!.toLowerCase();
      for (const ev of parseEventLogs({ abi: abis.Liquidator, logs: logs.filter((l) => l.address.toLowerCase() === liquidatorAddress), strict: false })) {
        const a = ev.args as Record<string, unknown>;
        if (ev.eventName === 'Kick') {
          const key = positionKey({ borrower: a.borrower as string, collateral: a.collateral as string });
          const t = tracked.get(key);
          if (t) t.kickBlock = ev.blockNumber;
          lots.set(a.id as bigint, { id: a.id as bigint, key, kickBlock: ev.blockNumber, kickTime: block.timestamp, finishedByTake: false, returned: 0n, shortfall: 0n });
        } else if (ev.eventName === 'Take') {
          const valuation = (pc * PRICE_SCALE) / pl;
          const price = a.price as bigint;
          const deviation = Math.abs(Number(price - valuation)) / Number(valuation);
          takes.push({ lot: a.id as bigint, price, block: ev.blockNumber, taker: a.taker as Address, rebate: a.rebate as bigint, deviation });
        } else if (ev.eventName === 'LotFinished') {
          const l = lots.get(a.id as bigint);
          if (l) {
            l.finishTime = block.timestamp;
            l.returned = a.collateralReturned as bigint;
            l.shortfall = a.shortfall as bigint;
            // the contract emits LotFinished right after the Take that sold the last of it
            l.finishedByTake = takes.some((tk) => tk.lot === l.id && tk.block === ev.blockNumber);
          }
        } else if (ev.eventName === 'Reset') {
          resets++;
        } else if (ev.eventName === 'ShortfallCovered' || ev.eventName === 'PendingShortfallCovered') {
          reserveUsed += a.paid as bigint;
        }
      }
    };
    await observe(startBlock);

    const waitingForKick = () => [...tracked.values()].some((t) => t.unhealthyBlock !== undefined && t.kickBlock === undefined);
    const auctionsRunning = () => [...lots.values()].some((l) => l.finishTime === undefined);
    const blockTimeMs = opts.blockTimeMs ?? 1_000;
    let lateBlocks = 0;
    const settle = async (block: MinedBlock) => {
      opts.signal?.throwIfAborted();
      await observe(block);
      const deadline = Date.now() + blockTimeMs;
      for (;;) {
        // nudge the services (they poll on their own too): each looks at the new block once
        await Promise.all([monitor.tick(), executor.tick(), maker.tick()]);
        const done =
          monitor.processedBlock >= block.number &&
          executor.processedBlock >= block.number &&
          maker.processedBlock >= block.number &&
          !executor.busy &&
          !maker.busy;
        if (done) return;
        if (Date.now() >= deadline) {
          lateBlocks++;
          return;
        }
        await sleep(5);
      }
    };
    const idle = opts.idleBlockSeconds ?? 30;
    const active = opts.activeBlockSeconds ?? 2;
    const maxMove = opts.maxMovePerBlock ?? 0.005;
    let clockT = 0;
    const pace = () => {
      if (auctionsRunning() || waitingForKick() || executor.busy) return active;
      return boundedStep(paths, clockT, idle, maxMove);
    };

    // ---------------------------------------------------------------- play the path
    const wallDeadline = Date.now() + (opts.wallTimeoutMs ?? 15 * 60_000);
    let blocks = 0;
    let playStart: number | undefined;
    const playPusher = new PricePusher({
      clients: at('pricePusher'),
      oracle: contracts.PriceOracle!,
      assets: pushable,
      clock,
      pace,
      splitMoves: s.pusher.splitMoves,
      afterBlock: async (b) => {
        blocks++;
        playStart ??= b.timestamp; // the pusher's t = 0 is its first block
        clockT = b.timestamp - playStart;
        if (Date.now() > wallDeadline) throw new BaseError('scenario ran out of wall time while playing the price path');
        await settle(b);
      },
      onProgress: (m) => say(`pusher: ${m}`),
    });
    const played = await playPusher.play(s.pricePath);
    say(`price path played: ${played.pushes.length} pushes in ${played.blocks} blocks, ${played.chainSeconds}s of chain time`);

    // ---------------------------------------------------------------- drain: every auction finishes
    const drainUntil = clock.latest.timestamp + s.drainSeconds;
    let quietBlocks = 0;
    while (clock.latest.timestamp < drainUntil && Date.now() < wallDeadline) {
      const pending = waitingForKick() || auctionsRunning() || executor.busy || maker.busy;
      quietBlocks = pending ? 0 : quietBlocks + 1;
      if (quietBlocks >= 3) break;
      const b = await clock.mine(active);
      blocks++;
      await settle(b);
    }
    if (waitingForKick() || auctionsRunning()) say('warning: drain ended with work left (see the report)');
    for (const svc of services.splice(0).reverse()) await svc.stop();

    // ---------------------------------------------------------------- report from the chain
    const endBlock = clock.latest.number;
    const loanAsset = contracts.USDC!;
    const [market, cash, fees, pendingShortfall, colPrice, loanPrice, colDecimals, loanDecimals] = await Promise.all([
      pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'expectedMarket', blockNumber: endBlock }),
      pub.readContract({ address: loanAsset, abi: abis.DevnetToken, functionName: 'balanceOf', args: [contracts.LendingPool!], blockNumber: endBlock }),
      pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'liquidationFees', blockNumber: endBlock }),
      pub.readContract({ address: contracts.Liquidator!, abi: abis.Liquidator, functionName: 'pendingShortfall', blockNumber: endBlock }),
      pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [collateral], blockNumber: endBlock }),
      pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [loanAsset], blockNumber: endBlock }),
      pub.readContract({ address: collateral, abi: abis.DevnetToken, functionName: 'decimals' }),
      pub.readContract({ address: loanAsset, abi: abis.DevnetToken, functionName: 'decimals' }),
    ]);
    // lenders are owed totalSupplyAssets; the pool backs it with cash (less fees held for others),
    // open debt and debt still in auctions (less what the reserve still owes)
    const backing = cash - fees + market.totalBorrowAssets + market.auctionDebt - pendingShortfall;
    const badDebt = market.totalSupplyAssets > backing ? market.totalSupplyAssets - backing : 0n;

    const deviations = takes.map((tk) => tk.deviation);
    const all = [...tracked.values()];
    const kicked = all.filter((t) => t.kickBlock !== undefined);
    const latencies = kicked.map((t) => Number(t.kickBlock! - (t.unhealthyBlock ?? t.kickBlock!)));
    const lotList = [...lots.values()];
    const finished = lotList.filter((l) => l.finishTime !== undefined);
    const returned = lotList.reduce((x, l) => x + l.returned, 0n);
    const toUnits = (v: bigint, d: number) => Number(v) / 10 ** d;
    const report: ScenarioReport = {
      scenario: s.name ?? 'scenario',
      positions: all.length,
      unhealthy: all.filter((t) => t.unhealthyBlock !== undefined || t.kickBlock !== undefined).length,
      liquidated: kicked.length,
      kickLatencyBlocks: latencies.length ? Math.max(...latencies) : 0,
      auctions: lotList.length,
      fillRate: lotList.length ? lotList.filter((l) => l.finishedByTake).length / lotList.length : 1,
      meanAuctionSeconds: finished.length ? finished.reduce((x, l) => x + (l.finishTime! - l.kickTime), 0) / finished.length : 0,
      meanDisposalDeviation: deviations.length ? deviations.reduce((a, b) => a + b, 0) / deviations.length : 0,
      maxDisposalDeviation: deviations.length ? Math.max(...deviations) : 0,
      badDebt: toUnits(badDebt, loanDecimals),
      reserveUsed: toUnits(reserveUsed, loanDecimals),
      lotsWithShortfall: lotList.filter((l) => l.shortfall > 0n).length,
      returnedToBorrowers: toUnits(returned, colDecimals),
      returnedToBorrowersUsd: Number((returned * colPrice) / WAD) / 1e18,
      takes: takes.length,
      makerTakes: takes.filter((t) => t.taker.toLowerCase() === maker.address.toLowerCase()).length,
      resets,
      pricePushes: played.pushes.length,
      blocks,
      lateBlocks,
      chainSeconds: clock.latest.timestamp - startBlock.timestamp,
      instructions: instructions.length,
      collateralAsset: symbol,
      durationMs: Date.now() - started,
      observerMs: Math.round(observerMs),
    };
    void loanPrice;
    return report;
  } finally {
    for (const svc of services.reverse()) await svc.stop().catch(() => {});
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Chain seconds of the next quiet block: at most `idle`, and at most a `maxMove` move of any asset's path. */
export function boundedStep(paths: AssetPath[], t: number, idle: number, maxMove: number): number {
  const fits = (dt: number) =>
    paths.every((p) => {
      const a = priceAt(p, t);
      // sample inside the step too: a path can turn within it
      return [0.5, 1].every((f) => Math.abs(priceAt(p, t + dt * f) - a) / a <= maxMove);
    });
  let dt = Math.max(1, Math.floor(idle));
  while (dt > 1 && !fits(dt)) dt--;
  return dt;
}

/**
 * Opens the scenario's positions: fresh accounts (funded with gas), qualified by the devnet bank,
 * given collateral, which they deposit and borrow against at their drawn loan-to-value. The pool's
 * free liquidity and the risk reserve are topped up first when the positions need more: liquidity to
 * lend every borrow, and a reserve that covers the shortfall the price path's lowest point could cause.
 *
 * Mining: the chain is put in manual mode for the duration (and its mode restored after). Each phase
 * signs its transactions with local nonces, sends them all, then mines blocks until the node's pool is
 * empty and checks every receipt. Waiting on anvil's automine instead is what used to hang a few
 * hundred borrowers in: under many concurrent sends its instant miner can leave a ready transaction
 * unmined (foundry-rs/foundry#10122), and a receipt wait then never returns.
 */
export async function openPositions(
  s: ScenarioFile,
  count: number,
  chain: { name: string; chainId: number; rpcUrl: string },
  deployer: ChainClients,
  contracts: Record<string, Address>,
  collateral: Address,
  say: (m: string) => void,
  /** Shifts the accounts used (positions are opened by mnemonic accounts 1000 + offset + i). */
  indexOffset = 0,
): Promise<Address[]> {
  const pub = deployer.public;
  const mining = await manualMining(pub);
  try {
    const draws = drawBorrowers(s, count);
    const loanAsset = contracts.USDC!;
    const [colDecimals, loanDecimals, maxLtv, pc, pl, market, reserveBalance] = await Promise.all([
      pub.readContract({ address: collateral, abi: abis.DevnetToken, functionName: 'decimals' }),
      pub.readContract({ address: loanAsset, abi: abis.DevnetToken, functionName: 'decimals' }),
      pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'collateralConfig', args: [collateral] }).then((c) => c.maxLtv),
      pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [collateral] }),
      pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [loanAsset] }),
      pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'expectedMarket' }),
      pub.readContract({ address: contracts.RiskReserve!, abi: abis.RiskReserve, functionName: 'balance' }),
    ]);
    const now = Number((await pub.getBlock()).timestamp);
    say(`opening ${count} positions against ${s.borrowers.collateral.asset} (ltv ${s.borrowers.ltv.join('–')}, seed ${s.borrowers.seed})`);
    const accounts = draws.map((d) => scenarioAccount(BORROWER_INDEX_BASE + indexOffset + d.index));
    const amounts = draws.map((d) => parseUnits(d.amount.toFixed(Math.min(6, colDecimals)), colDecimals));
    // loan units the collateral is worth, times the drawn LTV (never above the pool's limit), less
    // two units for the pool's upward roundings of shares and debt value
    const capPpm = (BigInt(maxLtv) * 1_000_000n) / WAD;
    const borrows = draws.map((d, i) => {
      const ltvPpm = BigInt(Math.floor(d.ltv * 1e6));
      const borrow = (((amounts[i]! * pc) / pl) * (ltvPpm < capPpm ? ltvPpm : capPpm)) / 1_000_000n - 2n;
      if (borrow <= 0n) throw new InputError(`borrowers.collateral.amount: position ${i} is too small to borrow against`, { details: 'raise the amount range' });
      return borrow;
    });

    // ------------------------------------------------ size the market to the scenario
    const lent = borrows.reduce((a, b) => a + b, 0n);
    const free = market.totalSupplyAssets - market.totalBorrowAssets - market.auctionDebt;
    const liquidityTopUp = lent > free ? lent - free + lent / 20n : 0n;
    const reserveTarget = worstShortfall(s, amounts, borrows, pc, pl);
    const reserveTopUp = reserveTarget > reserveBalance ? reserveTarget - reserveBalance : 0n;
    if (lent + liquidityTopUp >= 2n ** 120n || reserveTopUp >= 2n ** 120n) {
      throw new InputError('borrowers: the positions need more loan assets than the pool can account for', {
        details: `${count} borrowers would borrow ${lent} units; lower borrowers.count or borrowers.collateral.amount`,
      });
    }
    const lp = devnetAccount('liquidityProvider');
    const signer = deployer.wallet.account;
    if (signer.type !== 'local') throw new InputError('scenario setup signs locally: the deployer must be a local account');
    const deployerAccount: LocalAccount = signer;
    const funding: SetupCall[] = [];
    if (liquidityTopUp > 0n) {
      say(`pool: adding ${formatUnits(liquidityTopUp, loanDecimals)} USDC of liquidity for ${formatUnits(lent, loanDecimals)} USDC of borrows`);
      funding.push(
        { from: deployerAccount, to: loanAsset, abi: abis.DevnetToken, functionName: 'mint', args: [lp.address, liquidityTopUp] },
        { from: lp, to: loanAsset, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, liquidityTopUp] },
        { from: lp, to: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supply', args: [liquidityTopUp] },
      );
    }
    if (reserveTopUp > 0n) {
      say(`reserve: adding ${formatUnits(reserveTopUp, loanDecimals)} USDC to cover the path's worst shortfall`);
      funding.push(
        { from: deployerAccount, to: loanAsset, abi: abis.DevnetToken, functionName: 'mint', args: [deployerAccount.address, reserveTopUp] },
        { from: deployerAccount, to: loanAsset, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.RiskReserve!, reserveTopUp] },
        { from: deployerAccount, to: contracts.RiskReserve!, abi: abis.RiskReserve, functionName: 'deposit', args: [reserveTopUp] },
      );
    }

    // ------------------------------------------------ phase 1: gas, grants, collateral, market funding
    const bank = devnetAccount('bank');
    for (let i = 0; i < accounts.length; i += RPC_BATCH) {
      await Promise.all(accounts.slice(i, i + RPC_BATCH).map((a) => pub.request({ method: 'anvil_setBalance' as never, params: [a.address, toHex(10n ** 20n)] as never })));
    }
    // the borrowers consent to the bank's grants first (the registry refuses a grant nobody asked for)
    await sendAndMine(pub, chain.chainId, accounts.map((a): SetupCall => ({
      from: a,
      to: contracts.QualifiedClientRegistry!,
      abi: abis.QualifiedClientRegistry,
      functionName: 'consent',
      args: [bank.address],
    })), say);
    await sendAndMine(pub, chain.chainId, [
      ...funding,
      ...accounts.map((a): SetupCall => ({
        from: bank,
        to: contracts.QualifiedClientRegistry!,
        abi: abis.QualifiedClientRegistry,
        functionName: 'grantClient',
        args: [a.address, ACCREDITED, stringToHex('DE', { size: 2 }), dossierHash(a.address), now + YEAR, true],
      })),
      ...accounts.map((a, i): SetupCall => ({ from: deployerAccount, to: collateral, abi: abis.DevnetToken, functionName: 'mint', args: [a.address, amounts[i]!] })),
    ], say);

    // ------------------------------------------------ phase 2: each borrower approves, deposits, borrows (nonce order)
    await sendAndMine(pub, chain.chainId, accounts.flatMap((a, i): SetupCall[] => [
      { from: a, to: collateral, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, amounts[i]!] },
      { from: a, to: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supplyCollateral', args: [collateral, amounts[i]!, a.address] },
      { from: a, to: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'borrow', args: [collateral, borrows[i]!] },
    ]), say);
    say(`opened ${count} positions (${loanDecimals}-decimal loans)`);
    return accounts.map((a) => a.address);
  } finally {
    await mining.restore();
  }
}

/**
 * The most the reserve may have to pay if every position is liquidated at the path's lowest
 * collateral price (and highest loan price), plus a quarter for auctions that sell under the oracle.
 */
function worstShortfall(s: ScenarioFile, amounts: bigint[], borrows: bigint[], pc: bigint, pl: bigint): bigint {
  const paths = assetPaths(s.pricePath);
  const ratio = (asset: string, pick: (a: number, b: number) => number) => {
    const p = paths.find((x) => x.asset === asset);
    if (!p) return 1;
    const open = priceAt(p, 0);
    return p.knots.reduce((m, k) => pick(m, k.price / open), 1);
  };
  const colLow = BigInt(Math.floor(ratio(s.borrowers.collateral.asset, Math.min) * 1e9));
  const loanHigh = BigInt(Math.ceil(ratio('USDC', Math.max) * 1e9));
  let shortfall = 0n;
  for (const [i, amount] of amounts.entries()) {
    // loan units the collateral fetches at the low point, against the debt at the high loan price
    const worth = (amount * pc * colLow) / (pl * loanHigh);
    if (borrows[i]! > worth) shortfall += borrows[i]! - worth;
  }
  return shortfall + shortfall / 4n;
}

const RPC_BATCH = 64;

type SetupCall = { from: LocalAccount; to: Address; abi: Abi; functionName: string; args: readonly unknown[] };

/**
 * Signs `calls` with local nonces (in the order given per sender), sends them all, mines until the
 * node's pool is empty and checks every receipt; a revert is reported with its decoded reason.
 */
async function sendAndMine(pub: ChainClients['public'], chainId: number, calls: SetupCall[], say: (m: string) => void): Promise<void> {
  if (calls.length === 0) return;
  const nonces = new Map<string, number>();
  for (const from of new Set(calls.map((c) => c.from.address))) {
    nonces.set(from, await pub.getTransactionCount({ address: from, blockTag: 'pending' }));
  }
  const base = (await pub.getBlock()).baseFeePerGas ?? 1_000_000_000n;
  // a base fee that rises while full blocks drain the batch must not strand a transaction
  const maxFeePerGas = base * 64n + 1_000_000_000n;
  const hashes: Hex[] = [];
  for (let i = 0; i < calls.length; i += RPC_BATCH) {
    const batch = calls.slice(i, i + RPC_BATCH);
    const raws = await Promise.all(
      batch.map((c) => {
        const nonce = nonces.get(c.from.address)!;
        nonces.set(c.from.address, nonce + 1);
        return c.from.signTransaction!({
          type: 'eip1559',
          chainId,
          nonce,
          to: c.to,
          data: encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
          gas: SETUP_GAS,
          maxFeePerGas,
          maxPriorityFeePerGas: 1_000_000_000n,
        });
      }),
    );
    hashes.push(...(await Promise.all(raws.map((raw) => pub.request({ method: 'eth_sendRawTransaction', params: [raw] })))));
  }
  const clock = new ChainClock(pub);
  await clock.refresh();
  // each transaction needs at most SETUP_GAS: this many blocks hold them all, with room to spare
  const blockGas = (await pub.getBlock()).gasLimit;
  const maxBlocks = Math.ceil((calls.length * Number(SETUP_GAS)) / Number(blockGas)) + 8;
  for (let blocks = 0; ; blocks++) {
    const pending = await clock.pendingCount();
    if (pending === 0) break;
    if (blocks >= maxBlocks) {
      throw new BaseError('scenario setup: transactions stay in the node\'s pool after mining', { details: `${pending} of ${calls.length} left after ${blocks} blocks` });
    }
    await clock.mine(1);
  }
  let checked = 0;
  for (let i = 0; i < hashes.length; i += RPC_BATCH) {
    const receipts = await Promise.all(hashes.slice(i, i + RPC_BATCH).map((hash) => pub.getTransactionReceipt({ hash })));
    for (const [j, r] of receipts.entries()) {
      if (r.status === 'success') continue;
      const c = calls[i + j]!;
      // replay it on the mined state before it for the custom error's name
      const reason = await pub
        .simulateContract({ address: c.to, abi: c.abi, functionName: c.functionName, args: c.args, account: c.from, blockNumber: r.blockNumber - 1n } as never)
        .then(() => 'no reason given')
        .catch((err: unknown) => oneLine(err));
      throw new BaseError(`${c.functionName} reverted during scenario setup`, { details: `tx ${r.transactionHash}: ${reason}` });
    }
    checked += receipts.length;
  }
  say(`setup: ${checked} transactions mined`);
}

/**
 * Puts the chain in manual mining (no automine, no interval) and answers how to restore its mode.
 */
async function manualMining(pub: ChainClients['public']): Promise<{ restore(): Promise<void> }> {
  const rpc = (method: string, params: unknown[]) => pub.request({ method: method as never, params: params as never });
  const auto = (await rpc('anvil_getAutomine', [])) === true;
  const interval = Number((await rpc('anvil_getIntervalMining', []).catch(() => null)) ?? 0);
  await rpc('evm_setAutomine', [false]);
  await rpc('evm_setIntervalMining', [0]);
  return {
    async restore() {
      if (interval > 0) await rpc('evm_setIntervalMining', [interval]);
      else if (auto) await rpc('evm_setAutomine', [true]);
    },
  };
}

let devnetRoot: HDKey | undefined;

/**
 * A devnet mnemonic account by index. viem's mnemonicToAccount runs the mnemonic's PBKDF2 (2,048
 * rounds) for every account, 20 ms each; here the root key is derived once (BIP-39 seed: PBKDF2-SHA512
 * of the mnemonic, salt "mnemonic") and each account costs only its BIP-32 path.
 */
export function scenarioAccount(addressIndex: number): HDAccount {
  devnetRoot ??= HDKey.fromMasterSeed(pbkdf2Sync(DEVNET_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512'));
  return hdKeyToAccount(devnetRoot, { addressIndex });
}

function dossierHash(a: Address): Hex {
  return keccak256(toHex(`palisade-scenario-dossier:${a}`));
}
