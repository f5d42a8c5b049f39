/**
 * What a user sees of one chain's risk reserve (SPEC §F transparency): its balance, the debt it
 * backs, the coverage ratio, the shortfall still owed to lenders, and its recent movements (every
 * deposit, skim and shortfall payment is an event, so each figure is traceable on chain).
 */
import { parseEventLogs, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { BaseError, oneLine } from '../shared/errors.ts';

export type ReserveMovement = {
  kind: 'deposit' | 'skim' | 'shortfall-paid';
  block: bigint;
  logIndex: number;
  timestamp: bigint;
  /** Positive in, negative out (asset smallest units). */
  amount: bigint;
  /** Balance after the movement. */
  balance: bigint;
  /** Who deposited, or the liquidator that drew a shortfall; null for a skim. */
  from: Address | null;
  txHash: `0x${string}`;
};

export type ReserveView = {
  chain: string;
  block: bigint;
  timestamp: bigint;
  reserve: Address;
  asset: { address: Address; symbol: string; decimals: number };
  balance: bigint;
  /** The pool's open debt with interest plus debt in auctions. */
  outstandingDebt: bigint;
  /** balance / outstandingDebt in WAD; null when there is no debt (the contract answers 2^256 − 1). */
  coverageRatioWad: bigint | null;
  /** Shortfall the liquidator could not draw yet (still owed to lenders). */
  pendingShortfall: bigint | null;
  /** Movements, newest first. */
  movements: ReserveMovement[];
};

const MAX_UINT256 = 2n ** 256n - 1n;

export class ReserveReader {
  private readonly moves: ReserveMovement[] = [];
  /** Logs applied, by block and log index: concurrent reads scanning the same blocks apply each once. */
  private readonly applied = new Set<string>();
  private scannedTo = -1n;
  private scanning: Promise<void> = Promise.resolve();
  private asset: ReserveView['asset'] | undefined;

  constructor(
    readonly chain: string,
    private readonly client: PublicClient<Transport, Chain>,
    private readonly reserve: Address | undefined,
    private readonly liquidator: Address | undefined,
  ) {}

  async read(movementLimit = 50): Promise<ReserveView> {
    const reserve = this.reserve;
    if (!reserve) throw new BaseError(`no RiskReserve deployed on ${this.chain}`, { status: 404, code: 'NO_RESERVE' });
    let block: { number: bigint; timestamp: bigint };
    try {
      block = await this.client.getBlock({ blockTag: 'latest' });
    } catch (err) {
      throw new BaseError(`chain ${this.chain} does not answer`, { status: 502, code: 'CHAIN_UNREACHABLE', retryable: true, details: oneLine(err) });
    }
    const at = { address: reserve, abi: abis.RiskReserve, blockNumber: block.number } as const;
    const [asset, balance, outstandingDebt, coverage, pendingShortfall] = await Promise.all([
      this.assetInfo(reserve),
      this.client.readContract({ ...at, functionName: 'balance' }),
      this.client.readContract({ ...at, functionName: 'outstandingDebt' }),
      this.client.readContract({ ...at, functionName: 'coverageRatio' }),
      this.liquidator
        ? this.client.readContract({ address: this.liquidator, abi: abis.Liquidator, functionName: 'pendingShortfall', blockNumber: block.number })
        : Promise.resolve(null),
      this.scan(reserve, block.number),
    ]);
    return {
      chain: this.chain,
      block: block.number,
      timestamp: block.timestamp,
      reserve,
      asset,
      balance,
      outstandingDebt,
      coverageRatioWad: coverage === MAX_UINT256 ? null : coverage,
      pendingShortfall,
      movements: this.moves.slice(-movementLimit).reverse(),
    };
  }

  private async assetInfo(reserve: Address): Promise<ReserveView['asset']> {
    if (this.asset) return this.asset;
    const address = await this.client.readContract({ address: reserve, abi: abis.RiskReserve, functionName: 'asset' });
    const [symbol, decimals] = await Promise.all([
      this.client.readContract({ address, abi: abis.DevnetToken, functionName: 'symbol' }),
      this.client.readContract({ address, abi: abis.DevnetToken, functionName: 'decimals' }),
    ]);
    this.asset = { address, symbol, decimals };
    return this.asset;
  }

  /** Follows the reserve's events up to `to`; scans run one at a time, each log applied once. */
  private scan(reserve: Address, to: bigint): Promise<void> {
    const run = this.scanning.then(() => this.scanOnce(reserve, to));
    this.scanning = run.catch(() => {});
    return run;
  }

  private async scanOnce(reserve: Address, to: bigint): Promise<void> {
    if (to <= this.scannedTo) return;
    const logs = await this.client.getLogs({ address: reserve, fromBlock: this.scannedTo + 1n, toBlock: to });
    const blocks = [...new Set(logs.map((l) => l.blockNumber!))];
    const stamps = await Promise.all(blocks.map((b) => this.client.getBlock({ blockNumber: b }).then((x) => x.timestamp)));
    const times = new Map(blocks.map((b, i) => [b, stamps[i]!]));
    for (const ev of parseEventLogs({ abi: abis.RiskReserve, logs, strict: false })) {
      const key = `${ev.blockNumber}:${ev.logIndex}`;
      if (this.applied.has(key)) continue;
      this.applied.add(key);
      const a = ev.args as Record<string, unknown>;
      const base = { block: ev.blockNumber, logIndex: ev.logIndex, timestamp: times.get(ev.blockNumber)!, balance: a.balance as bigint, txHash: ev.transactionHash };
      if (ev.eventName === 'Deposited') this.moves.push({ ...base, kind: 'deposit', amount: a.amount as bigint, from: a.from as Address });
      else if (ev.eventName === 'Skimmed') this.moves.push({ ...base, kind: 'skim', amount: a.amount as bigint, from: null });
      else if (ev.eventName === 'ShortfallPaid') this.moves.push({ ...base, kind: 'shortfall-paid', amount: -(a.paid as bigint), from: a.liquidator as Address });
    }
    // concurrent scans may finish out of order: the movements must stay in chain order
    this.moves.sort((x, y) => (x.block === y.block ? x.logIndex - y.logIndex : x.block < y.block ? -1 : 1));
    if (to > this.scannedTo) this.scannedTo = to;
  }
}
