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
import { keccak256, parseEventLogs, type Abi, parseUnits, stringToHex, toHex, type Address, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { abis } from '../chain/abi/generated.ts';
import { DEVNET_MNEMONIC, devnetAccount, type DevnetActor } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { ChainClock, type MinedBlock } from '../oracle/chainClock.ts';
import { assetPaths, priceAt, type AssetPath } from '../oracle/pricePath.ts';
import { PricePusher } from '../oracle/pricePusher.ts';
import { loadConfig, type PalisadeConfig } from '../shared/config.ts';
import { BaseError, InputError } from '../shared/errors.ts';
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
    // ---------------------------------------------------------------- setup (instant mining)
    await clock.automine();
    const pusher = new PricePusher({ clients: at('pricePusher'), oracle: contracts.PriceOracle!, assets: pushable, clock, onProgress: (m) => say(`pusher: ${m}`) });
    for (const p of paths) await pusher.push(p.asset, priceAt(p, 0));
    const borrowers = await openPositions(s, opts.borrowers ?? s.borrowers.count, chain, deployer, contracts, collateral, say);

    opts.signal?.throwIfAborted();
    // ---------------------------------------------------------------- services
    const startBlock = await clock.takeOver();
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
    const tracked = new Map<string, Tracked>(borrowers.map((b) => [positionKey({ borrower: b, collateral }), { borrower: b, collateral }]));
    const lots = new Map<bigint, LotRecord>();
    const takes: { lot: bigint; price: bigint; block: bigint; taker: Address; rebate: bigint }[] = [];
    let resets = 0;
    let reserveUsed = 0n;
    const blockTime = new Map<bigint, number>();
    const observe = async (block: MinedBlock) => {
      blockTime.set(block.number, block.timestamp);
      const open = [...tracked.values()].filter((t) => t.kickBlock === undefined && t.unhealthyBlock === undefined);
      const verdicts = await Promise.all(
        open.map((t) => pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'health', args: [t.borrower, t.collateral], blockNumber: block.number })),
      );
      open.forEach((t, i) => {
        if (verdicts[i]![2]) t.unhealthyBlock = block.number;
      });
      const logs = await pub.getLogs({ address: contracts.Liquidator!, fromBlock: block.number, toBlock: block.number });
      for (const ev of parseEventLogs({ abi: abis.Liquidator, logs, strict: false })) {
        const a = ev.args as Record<string, unknown>;
        if (ev.eventName === 'Kick') {
          const key = positionKey({ borrower: a.borrower as string, collateral: a.collateral as string });
          const t = tracked.get(key);
          if (t) t.kickBlock = ev.blockNumber;
          lots.set(a.id as bigint, { id: a.id as bigint, key, kickBlock: ev.blockNumber, kickTime: block.timestamp, finishedByTake: false, returned: 0n, shortfall: 0n });
        } else if (ev.eventName === 'Take') {
          takes.push({ lot: a.id as bigint, price: a.price as bigint, block: ev.blockNumber, taker: a.taker as Address, rebate: a.rebate as bigint });
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

    const deviations: number[] = [];
    for (const tk of takes) {
      const [pc, pl] = await Promise.all([
        pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [collateral], blockNumber: tk.block }),
        pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [loanAsset], blockNumber: tk.block }),
      ]);
      const valuation = (pc * PRICE_SCALE) / pl;
      deviations.push(Math.abs(Number(tk.price - valuation)) / Number(valuation));
    }
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
 * given collateral, which they deposit and borrow against at their drawn loan-to-value.
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
  const bank = chainClients(chain, devnetAccount('bank'), 50);
  const draws = drawBorrowers(s, count);
  const [colDecimals, loanDecimals, maxLtv] = await Promise.all([
    pub.readContract({ address: collateral, abi: abis.DevnetToken, functionName: 'decimals' }),
    pub.readContract({ address: contracts.USDC!, abi: abis.DevnetToken, functionName: 'decimals' }),
    pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'collateralConfig', args: [collateral] }).then((c) => c.maxLtv),
  ]);
  const [pc, pl] = await Promise.all([
    pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [collateral] }),
    pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.USDC!] }),
  ]);
  const now = Number((await pub.getBlock()).timestamp);
  say(`opening ${count} positions against ${s.borrowers.collateral.asset} (ltv ${s.borrowers.ltv.join('–')}, seed ${s.borrowers.seed})`);
  const accounts = draws.map((d) => mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: BORROWER_INDEX_BASE + indexOffset + d.index }));
  for (const a of accounts) {
    await pub.request({ method: 'anvil_setBalance' as never, params: [a.address, toHex(10n ** 20n)] as never });
    // the borrower consents to the bank's grant (the registry refuses unrequested grants)
    await sendTx(chainClients(chain, a, 50), {
      address: contracts.QualifiedClientRegistry!,
      abi: abis.QualifiedClientRegistry,
      functionName: 'consent',
      args: [bank.wallet.account.address],
    });
    await sendTx(bank, {
      address: contracts.QualifiedClientRegistry!,
      abi: abis.QualifiedClientRegistry,
      functionName: 'grantClient',
      args: [a.address, ACCREDITED, stringToHex('DE', { size: 2 }), dossierHash(a.address), now + YEAR, true],
    });
  }
  const amounts = draws.map((d) => parseUnits(d.amount.toFixed(Math.min(6, colDecimals)), colDecimals));
  for (const [i, a] of accounts.entries()) {
    await sendTx(deployer, { address: collateral, abi: abis.DevnetToken, functionName: 'mint', args: [a.address, amounts[i]!] });
  }
  await Promise.all(
    accounts.map(async (a, i) => {
      const c = chainClients(chain, a, 50);
      await sendTx(c, { address: collateral, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, amounts[i]!] });
      await sendTx(c, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supplyCollateral', args: [collateral, amounts[i]!, a.address] });
    }),
  );
  // borrows one after another: each changes the pool's totals, which a parallel gas estimate would miss
  const capPpm = (BigInt(maxLtv) * 1_000_000n) / WAD;
  for (const [i, a] of accounts.entries()) {
    // loan units the collateral is worth, times the drawn LTV (never above the pool's limit), less
    // two units for the pool's upward roundings of shares and debt value
    const ltvPpm = BigInt(Math.floor(draws[i]!.ltv * 1e6));
    const worth = (amounts[i]! * pc) / pl;
    const borrow = (worth * (ltvPpm < capPpm ? ltvPpm : capPpm)) / 1_000_000n - 2n;
    if (borrow <= 0n) throw new InputError(`borrowers.collateral.amount: position ${i} is too small to borrow against`);
    await sendTx(chainClients(chain, a, 50), { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'borrow', args: [collateral, borrow] });
  }
  say(`opened ${count} positions (${loanDecimals}-decimal loans)`);
  return accounts.map((a) => a.address);
}

function dossierHash(a: Address): Hex {
  return keccak256(toHex(`palisade-scenario-dossier:${a}`));
}

/**
 * Sends one setup transaction and waits for it: simulated first (a revert names its custom error),
 * then sent with a generous gas limit. A gas estimate made at the last block's timestamp can miss
 * the pool's interest accrual that runs when the transaction lands a second later.
 */
async function sendTx(c: ChainClients, call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] }): Promise<void> {
  await c.public.simulateContract({ ...call, account: c.wallet.account } as never);
  const hash = await c.wallet.writeContract({ ...call, gas: SETUP_GAS } as never);
  const receipt = await c.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new BaseError(`${call.functionName} reverted during scenario setup`, { details: `tx ${hash}` });
}
