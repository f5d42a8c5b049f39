/**
 * The liquidation monitor's real pass, end to end: `LiquidationMonitor` against a real anvil chain
 * (hub only, its own ports) holding the real lending pool, oracle and feeds, with 1,000,000 positions.
 *
 * What is real and what is synthetic:
 * - real: the chain, the contracts, REAL_POSITIONS positions opened on it by real transactions, the
 *   price drop (a real push through the feed and the oracle, mined in a block), the position event
 *   (a real borrow, mined), every RPC request the monitor makes, the pool's borrow index and prices it
 *   reads, and the monitor's whole path: catch-up, screen, confirmation with the pool's rule, instructions;
 * - synthetic: the other positions. They exist only in the monitor's book: they are handed to it as
 *   pool events (SupplyCollateral + Borrow of made-up borrowers, keyed after the last real event)
 *   through the same `applyEvents` path the catch-up uses. Their debts are borrow shares at the
 *   pool's real index, so the monitor prices them exactly as it prices real ones.
 *
 * Timed:
 * - dropToLastInstructionMs: from the block that carries a 10% WETH drop being mined to the last
 *   instruction handed to the consumer (screen, confirmation and every instruction included), with
 *   ~300,000 of the 1,000,000 positions liquidatable after it; and to the first one;
 * - eventPassMs: one monitor step after a block with a single position event (a real borrow):
 *   catch-up, pass and its RPC round trips;
 * - rpcCallsPerPass: requests the monitor sent during the drop's step, counted at its transport.
 * After each drop the instructed set is checked against the pool's rule applied to every position.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, custom, http, type Address, type Hex } from 'viem';
import { abis } from '../src/chain/abi/generated.ts';
import { devnetAccount } from '../src/chain/accounts.ts';
import { chainClients, toViemChain } from '../src/chain/clients.ts';
import { startDevnet } from '../src/chain/devnet/startDevnet.ts';
import { debtOfShares, poolHealth, type BorrowIndex } from '../src/lending/health.ts';
import { ChainClock } from '../src/oracle/chainClock.ts';
import { PricePusher } from '../src/oracle/pricePusher.ts';
import type { LiquidationInstruction } from '../src/liquidation/instruction.ts';
import { LiquidationMonitor, type PoolEvent } from '../src/liquidation/monitor.ts';
import { drawBorrowers, openPositions, scenarioAccount } from '../src/liquidation/scenario.ts';
import { parseScenario } from '../src/liquidation/scenarioFile.ts';
import { seededRandom } from '../src/shared/seededRandom.ts';

const POSITIONS: number = 1_000_000;
const REAL_POSITIONS: number = 16;
const UNHEALTHY_SHARE = 0.3;
const DROPS = 3;
const EVENT_PASSES = 9;
const PORT_BASE = Number(process.env.PALISADE_BENCH_PORT_BASE ?? 36545);
const TARGET_DROP_MS = 1_000;
const TARGET_EVENT_PASS_MS = 5;
const PRICE_BEFORE = 2000;
const PRICE_AFTER = 1800; // a 10% drop
const WAD = 10n ** 18n;

const say = (m: string) => console.error(m);
const round = (ms: number) => Math.round(ms * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const stateDir = mkdtempSync(join(tmpdir(), 'palisade-bench-monitor-'));
const devnet = await startDevnet({ hubOnly: true, portBase: PORT_BASE, blockTimeSeconds: 1, stateDir, onProgress: (m) => say(`devnet: ${m}`) });
let exitCode = 1;
try {
  const chain = devnet.chains[0]!;
  const deployment = devnet.manifest.chains[chain.name]!;
  const contracts = deployment.contracts as Record<string, Address>;
  const deployer = chainClients(chain, devnetAccount('deployer'), 50);
  const pub = deployer.public;
  const clock = new ChainClock(pub);
  await clock.takeOver();
  const pusher = new PricePusher({
    clients: chainClients(chain, devnetAccount('pricePusher'), 50),
    oracle: contracts.PriceOracle!,
    assets: { WETH: { token: contracts.WETH!, feed: contracts.WETHFeed! } },
    clock,
  });
  await pusher.push('WETH', PRICE_BEFORE);
  await clock.mine(1);

  // ------------------------------------------------------------ real positions
  const scenario = parseScenario({
    borrowers: { count: REAL_POSITIONS, collateral: { asset: 'WETH', amount: [1, 10] }, ltv: [0.5, 0.8], seed: 7 },
    pricePath: [{ t: 0, asset: 'WETH', price: PRICE_BEFORE }],
  });
  const realBorrowers = await openPositions(scenario, REAL_POSITIONS, chain, deployer, contracts, contracts.WETH!, say);
  await clock.refresh(); // setup mined its own blocks

  // ------------------------------------------------------------ the monitor, its requests counted at the transport
  const real = http(chain.rpcUrl, { retryCount: 0, timeout: 15_000 })({ chain: toViemChain(chain) });
  let requests = 0;
  const counted = createPublicClient({
    chain: toViemChain(chain),
    pollingInterval: 50,
    transport: custom({
      request({ method, params }: { method: string; params?: unknown }) {
        requests++;
        return real.request({ method, params } as never);
      },
    }),
  });
  let first = 0;
  let last = 0;
  // the consumer keeps only who was instructed (a real one forwards each instruction and lets it go)
  let issued: string[] = [];
  const monitor = new LiquidationMonitor({
    chain: chain.name,
    client: counted,
    pool: contracts.LendingPool!,
    liquidator: contracts.Liquidator!,
    fromBlock: BigInt(deployment.deployedAtBlock),
    pollMs: 3_600_000, // the bench drives it with tick()
    recomputeMs: 3_600_000,
    reissueMs: 0,
    onInstruction: (i: LiquidationInstruction) => {
      last = performance.now();
      if (issued.length === 0) first = last;
      issued.push(i.borrower);
    },
  });
  await monitor.start();
  if (monitor.stats.positions !== REAL_POSITIONS) throw new Error(`monitor sees ${monitor.stats.positions} real positions, opened ${REAL_POSITIONS}`);

  // ------------------------------------------------------------ synthetic positions
  const [market, pc, pl] = await Promise.all([
    pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'expectedMarket' }),
    pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.WETH!] }),
    pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.USDC!] }),
  ]);
  const ratio = BigInt((await pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'collateralConfig', args: [contracts.WETH!] })).liquidationRatio);
  const synthetic = POSITIONS - REAL_POSITIONS;
  const build = performance.now();
  const keyBlock = monitor.processedBlock;
  const keyHash = (await pub.getBlock({ blockNumber: keyBlock })).hash as Hex;
  const next = seededRandom(0x5eed);
  const synth: { borrower: Address; collateral: bigint; shares: bigint }[] = [];
  const totalShares = market.totalBorrowShares + 1_000_000n;
  const totalAssets = market.totalBorrowAssets + 1n;
  const BATCH = 50_000;
  for (let start = 0; start < synthetic; start += BATCH) {
    const events: PoolEvent[] = [];
    for (let i = start; i < Math.min(synthetic, start + BATCH); i++) {
      const borrower = `0x${(0x5e000000 + i).toString(16).padStart(40, '0')}` as Address;
      const collateral = BigInt(1e7 + Math.floor(next() * 1e11)) * 10n ** 9n; // 0.01 to 100 WETH
      // collateral ratio at the opening price: UNHEALTHY_SHARE of them between 110.1% and 122% (under
      // 110% after a 10% drop), the rest between 125% and 250%
      const cr = next() < UNHEALTHY_SHARE ? 1.101 + next() * 0.119 : 1.25 + next() * 1.25;
      const debtValue = Number((collateral * pc) / WAD) / cr; // WAD USD
      const debt = BigInt(Math.floor((debtValue * 1e18) / Number(pl)));
      const shares = (debt * totalShares) / totalAssets;
      synth.push({ borrower, collateral, shares });
      const logIndex = 1_000_000 + 2 * i; // after every real event of the block they are keyed in
      events.push(
        { eventName: 'SupplyCollateral', args: { caller: borrower, borrower, collateral: contracts.WETH!, amount: collateral }, blockNumber: keyBlock, blockHash: keyHash, logIndex },
        { eventName: 'Borrow', args: { borrower, collateral: contracts.WETH!, assets: debt, shares }, blockNumber: keyBlock, blockHash: keyHash, logIndex: logIndex + 1 },
      );
    }
    await monitor.applyEvents(events);
  }
  say(`synthetic: ${synthetic} positions applied as pool events in ${round(performance.now() - build)} ms; the book holds ${monitor.stats.positions}`);
  if (monitor.stats.positions !== POSITIONS) throw new Error(`book holds ${monitor.stats.positions}, wanted ${POSITIONS}`);

  /** What the pool's rule says of every position at `block`, from the chain's own index and prices. */
  const expectedAt = async (block: bigint): Promise<Set<string>> => {
    const [m, c, l] = await Promise.all([
      pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'expectedMarket', blockNumber: block }),
      pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.WETH!], blockNumber: block }),
      pub.readContract({ address: contracts.PriceOracle!, abi: abis.PriceOracle, functionName: 'peek', args: [contracts.USDC!], blockNumber: block }),
    ]);
    const index: BorrowIndex = { totalBorrowAssets: m.totalBorrowAssets, totalBorrowShares: m.totalBorrowShares };
    const out = new Set<string>();
    for (const p of synth) if (poolHealth(p.collateral, c, debtOfShares(p.shares, index), l, ratio).liquidatable) out.add(p.borrower.toLowerCase());
    for (const b of realBorrowers) {
      const [, , liquidatable] = await pub.readContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'health', args: [b, contracts.WETH!], blockNumber: block });
      if (liquidatable) out.add(b.toLowerCase());
    }
    return out;
  };

  const step = async () => {
    const before = requests;
    const t0 = performance.now();
    await monitor.tick();
    const ms = performance.now() - t0;
    if (!monitor.health().ok) throw new Error(`monitor step failed: ${monitor.health().detail}`);
    return { ms, requests: requests - before };
  };

  // ------------------------------------------------------------ warm up (V8 optimises the pass), then events
  for (let i = 0; i < 3; i++) {
    await clock.mine(1);
    await step();
  }
  // borrowers well under the pool's 80% limit can borrow 1 USDC more
  const roomy = drawBorrowers(scenario, REAL_POSITIONS).filter((d) => d.ltv < 0.75);
  const borrowerClients = roomy.map((d) => chainClients(chain, scenarioAccount(1000 + d.index), 50));
  const eventTimes: number[] = [];
  const eventRequests: number[] = [];
  const eventScanned: number[] = [];
  const eventCompute: number[] = [];
  const roundTrips: number[] = [];
  for (let i = 0; i < EVENT_PASSES + 2; i++) {
    // one real position event: a borrower borrows 1 USDC more
    const c = borrowerClients[i % borrowerClients.length]!;
    await c.wallet.writeContract({ address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'borrow', args: [contracts.WETH!, 1_000_000n], gas: 400_000n });
    await clock.mine(1);
    const eventsBefore = monitor.stats.eventsApplied;
    const r = await step();
    // the Borrow, and the pool's AccrueInterest before it
    if (monitor.stats.eventsApplied - eventsBefore > 2 || monitor.stats.eventsApplied === eventsBefore) throw new Error(`event pass applied ${monitor.stats.eventsApplied - eventsBefore} events, wanted the borrow`);
    if (i < 2) continue; // warm-up
    eventTimes.push(r.ms);
    eventRequests.push(r.requests);
    eventScanned.push(monitor.stats.lastScanned);
    eventCompute.push(monitor.stats.lastPassMs);
    // for scale: one bare request to the same node
    const t = performance.now();
    await counted.getBlockNumber({ cacheTime: 0 });
    roundTrips.push(performance.now() - t);
  }
  say(
    `event passes (one borrow each): ms ${eventTimes.map(round).join(' ')}; of which the pass's own work ${eventCompute.map(round).join(' ')}; ` +
      `requests ${eventRequests.join(' ')}; rows scanned ${eventScanned.join(' ')}; one bare request ${roundTrips.map(round).join(' ')} ms`,
  );

  // ------------------------------------------------------------ the drop
  const dropTimes: number[] = [];
  const firstTimes: number[] = [];
  let dropRequests = 0;
  let unhealthy = 0;
  let instructions = 0;
  let agrees = true;
  for (let d = 0; d < DROPS + 1; d++) {
    await pusher.push('WETH', PRICE_AFTER);
    issued = [];
    const block = await clock.mine(1);
    const t0 = performance.now(); // the price has changed on chain
    const r = await step();
    const warm = d === 0;
    const want = await expectedAt(block.number);
    const got = new Set(issued.map((b) => b.toLowerCase()));
    const same = got.size === want.size && issued.length === got.size && [...want].every((b) => got.has(b));
    if (!same) agrees = false;
    say(`${warm ? 'warm-up ' : ''}drop ${d}: ${issued.length} instructions (pool rule: ${want.size}, ${same ? 'same set' : 'DIFFERENT'}); first after ${round(first - t0)} ms, last after ${round(last - t0)} ms; step ${round(r.ms)} ms, ${r.requests} requests`);
    if (!warm) {
      dropTimes.push(last - t0);
      firstTimes.push(first - t0);
      dropRequests = r.requests;
      unhealthy = want.size;
      instructions = issued.length;
    }
    // back up: nothing is liquidatable, nothing instructed
    await pusher.push('WETH', PRICE_BEFORE);
    issued = [];
    await clock.mine(1);
    await step();
    if (issued.length !== 0) throw new Error(`${issued.length} instructions after the price came back`);
  }

  const dropMs = median(dropTimes);
  const eventPassMs = median(eventTimes);
  console.log(
    JSON.stringify({
      bench: 'monitor',
      positions: POSITIONS,
      realPositions: REAL_POSITIONS,
      syntheticPositions: synthetic,
      unhealthy,
      instructions,
      dropToFirstInstructionMs: round(median(firstTimes)),
      dropToLastInstructionMs: round(dropMs),
      dropToLastInstructionMsRuns: dropTimes.map(round),
      targetDropMs: TARGET_DROP_MS,
      eventPassMs: round(eventPassMs),
      eventPassMsRuns: eventTimes.map(round),
      eventPassComputeMs: round(median(eventCompute)),
      eventPassRowsScanned: median(eventScanned),
      rpcRoundTripMs: round(median(roundTrips)),
      loadAverage: Math.round(loadavg()[0]! * 10) / 10,
      targetEventPassMs: TARGET_EVENT_PASS_MS,
      rpcCallsPerPass: dropRequests,
      rpcCallsPerEventPass: median(eventRequests),
      instructedAgreesWithPoolRule: agrees,
    }),
  );
  exitCode = agrees && dropMs <= TARGET_DROP_MS && eventPassMs <= TARGET_EVENT_PASS_MS ? 0 : 1;
  await monitor.stop();
} finally {
  await devnet.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit(exitCode);
