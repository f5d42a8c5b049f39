/**
 * What a user sees of one chain's lending market: the pool's figures (assets, oracle prices,
 * supplied, borrowed, utilization, rates, thresholds) and a borrower's positions (collateral, debt,
 * health factor, liquidation price, qualification with its reason).
 *
 * Every figure of one answer is read at one block, so supplied, borrowed and health agree with each
 * other. The pool's own `health` view decides `liquidatable` (the contract's decision, roundings and
 * interest included); the exact bigint maths of health.ts turns the same inputs into the ratios and
 * prices a person reads (health factor, liquidation price, room to borrow or withdraw).
 */
import { BaseError as ViemError, ContractFunctionRevertedError, getAbiItem, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { publicClient } from '../chain/clients.ts';
import type { ChainDeployment } from '../chain/manifest.ts';
import { RegistryClient } from '../compliance/registryClient.ts';
import { BaseError, oneLine } from '../shared/errors.ts';
import { MAX_UINT256, WAD, collateralRatioWad, liquidationPrice, maxBorrow, minCollateral } from './health.ts';
import {
  annualBorrowRateWad,
  oraclePriceToUsd8,
  supplyRateWad,
  toAssetsDown,
  utilizationWad,
  type RateParams,
} from './marketMath.ts';

export type Token = { symbol: string; address: Address; decimals: number };

/**
 * A token with what its feed says now (the oracle's `peek`); `price` is null (and `priceError` says why)
 * when the oracle refuses the answer (stale, not positive). While a move beyond the oracle's guard is
 * pending the pool prices positions at guarded bounds: positions read those (see `PositionView`).
 */
export type PricedToken = Token & {
  /** USD per smallest unit × 1e36 (the oracle's unit). */
  price: bigint | null;
  /** USD per whole token with 8 decimals (the feed's unit). */
  priceUsd8: bigint | null;
  priceError?: string;
};

export type CollateralMarket = {
  token: PricedToken;
  /** Minimum collateral ratio (WAD); below it a position is liquidatable. */
  liquidationRatioWad: bigint;
  /** Maximum loan-to-value (WAD) for borrowing and withdrawing collateral. */
  maxLtvWad: bigint;
  enabled: boolean;
  /** Smallest debt a position may keep after a borrow or a partial repay (loan smallest units). */
  minDebt: bigint;
  /** Collateral the pool holds for positions and running lots (smallest units). */
  totalCollateral: bigint;
  /** Its USD value in WAD; null without a price. */
  totalCollateralUsdWad: bigint | null;
};

export type MarketView = {
  chain: string;
  chainId: number;
  block: bigint;
  timestamp: bigint;
  contracts: { pool: Address; oracle: Address; liquidator: Address; reserve: Address | null; registry: Address };
  /** The guardian paused new risk (supply, borrow, withdrawals that add risk); repay and liquidation go on. */
  paused: boolean;
  loanAsset: PricedToken;
  /** Owed to lenders, interest to this block included. */
  totalSupplyAssets: bigint;
  /** Debt of open positions, interest included. */
  totalBorrowAssets: bigint;
  /** Debt of seized positions not yet raised by their lots. */
  auctionDebt: bigint;
  /** Loan assets the pool holds free for withdrawals and borrows (its balance less fees held apart). */
  liquidity: bigint;
  utilizationWad: bigint;
  borrowRatePerSecondWad: bigint;
  borrowAprWad: bigint;
  supplyAprWad: bigint;
  rateModel: RateParams;
  collaterals: CollateralMarket[];
};

export type Qualification = { qualified: boolean; reason: string; code: string };

export type PositionView = {
  collateral: PricedToken;
  collateralAmount: bigint;
  borrowShares: bigint;
  /** Debt with interest to this block, rounded up (the pool's `debtOf`). */
  debt: bigint;
  /** USD values in WAD as the pool's `health` view computes them; null when a price is refused. */
  collateralValueWad: bigint | null;
  debtValueWad: bigint | null;
  /** The pool's verdict: true when an executor may kick it now. */
  liquidatable: boolean | null;
  /** collateralValue / debtValue (WAD); null without debt or price. */
  collateralRatioWad: bigint | null;
  /** collateral ratio / liquidation ratio (WAD): below 1 the position is liquidatable. Null without debt. */
  healthFactorWad: bigint | null;
  /** Collateral price (USD, 8 decimals) below which the position becomes liquidatable; null without debt. */
  liquidationPriceUsd8: bigint | null;
  /** More loan assets it may borrow now (borrow limit and pool liquidity). */
  borrowable: bigint;
  /** Collateral it may withdraw now without breaking the borrow limit. */
  withdrawable: bigint;
  liquidationRatioWad: bigint;
  maxLtvWad: bigint;
  /** Holds collateral or debt. */
  open: boolean;
};

export type AccountView = {
  chain: string;
  chainId: number;
  block: bigint;
  account: Address;
  /** The pool every action on these positions goes to. */
  pool: Address;
  /** May this account use the pool (lend or borrow)? The registry's verdict for the LEND service. */
  qualification: Qualification;
  /** What it supplied as a lender: shares and their value now (rounded down). */
  supplyShares: bigint;
  supplied: bigint;
  loanAsset: PricedToken;
  /** Wallet balances of the pool's tokens (what it can supply or repay with). */
  wallet: { token: Address; symbol: string; balance: bigint; allowance: bigint }[];
  positions: PositionView[];
};

const collateralSetEvent = getAbiItem({ abi: abis.LendingPool, name: 'CollateralSet' });

/** A chain of the manifest: its name and deployment. */
export type ChainRef = { name: string } & Pick<ChainDeployment, 'chainId' | 'rpcUrl' | 'contracts'>;

/**
 * Reads one chain's lending market. Token facts and the collateral list are cached (the list is
 * followed through the pool's CollateralSet events, incrementally); everything else is read fresh.
 */
export class LendingReader {
  readonly chain: string;
  readonly client: PublicClient<Transport, Chain>;
  readonly pool: Address;
  private readonly tokens = new Map<string, Token>();
  private collaterals: Address[] = [];
  private scannedTo = -1n;
  private wiring: Promise<{ oracle: Address; loanAsset: Address; liquidator: Address; registry: Address }> | undefined;
  private registry: RegistryClient | undefined;

  constructor(
    private readonly ref: ChainRef,
    client?: PublicClient<Transport, Chain>,
  ) {
    this.chain = ref.name;
    this.client = client ?? publicClient({ name: ref.name, chainId: ref.chainId, rpcUrl: ref.rpcUrl }, 250);
    const pool = ref.contracts.LendingPool;
    if (!pool) throw new BaseError(`no LendingPool deployed on ${ref.name}`, { status: 404, code: 'NO_MARKET' });
    this.pool = pool as Address;
  }

  /** The pool's market at the latest block. */
  async market(): Promise<MarketView> {
    const block = await this.latestBlock();
    const w = await this.wired();
    const read = this.reader(block.number);
    const [collaterals, loanAsset, stored, expected, fees, borrowRate, cash] = await Promise.all([
      this.collateralList(block.number),
      this.priced(w.loanAsset, block.number),
      read('market', []),
      read('expectedMarket', []),
      read('liquidationFees', []),
      read('borrowRate', []),
      this.balanceOf(w.loanAsset, this.pool, block.number),
    ]);
    const rateModel: RateParams = { baseRateBps: stored.baseRateBps, slope1Bps: stored.slope1Bps, slope2Bps: stored.slope2Bps, kinkBps: stored.kinkBps };
    // the rate the pool charges from this block on: its utilization counts debt held in auctions
    const borrowed = expected.totalBorrowAssets + expected.auctionDebt;
    const u = utilizationWad(borrowed, expected.totalSupplyAssets);
    const borrowAprWad = annualBorrowRateWad(u, rateModel);
    const cols = await Promise.all(
      collaterals.map(async (address): Promise<CollateralMarket> => {
        const [token, cfg, held] = await Promise.all([
          this.priced(address, block.number),
          read('collateralConfig', [address]),
          this.balanceOf(address, this.pool, block.number),
        ]);
        return {
          token,
          liquidationRatioWad: BigInt(cfg.liquidationRatio),
          maxLtvWad: BigInt(cfg.maxLtv),
          enabled: cfg.enabled,
          minDebt: BigInt(cfg.minDebt),
          totalCollateral: held,
          totalCollateralUsdWad: token.price === null ? null : (held * token.price) / WAD,
        };
      }),
    );
    return {
      chain: this.chain,
      chainId: this.ref.chainId,
      block: block.number,
      timestamp: block.timestamp,
      contracts: { pool: this.pool, oracle: w.oracle, liquidator: w.liquidator, reserve: (this.ref.contracts.RiskReserve as Address | undefined) ?? null, registry: w.registry },
      paused: stored.paused,
      loanAsset,
      totalSupplyAssets: expected.totalSupplyAssets,
      totalBorrowAssets: expected.totalBorrowAssets,
      auctionDebt: expected.auctionDebt,
      liquidity: cash > fees ? cash - fees : 0n,
      utilizationWad: u,
      borrowRatePerSecondWad: borrowRate,
      borrowAprWad,
      supplyAprWad: supplyRateWad(borrowAprWad, expected.totalBorrowAssets, expected.totalSupplyAssets),
      rateModel,
      collaterals: cols,
    };
  }

  /** `account`'s lender balance and one position per listed collateral (open or not) at the latest block. */
  async account(account: Address): Promise<AccountView> {
    const block = await this.latestBlock();
    const w = await this.wired();
    const read = this.reader(block.number);
    const [collaterals, loanAsset, expected, shares, cash, fees, qualification, stored] = await Promise.all([
      this.collateralList(block.number),
      this.priced(w.loanAsset, block.number),
      read('expectedMarket', []),
      read('supplyShares', [account]),
      this.balanceOf(w.loanAsset, this.pool, block.number),
      read('liquidationFees', []),
      this.qualification(account, w.registry),
      read('market', []),
    ]);
    const liquidity = cash > fees ? cash - fees : 0n;
    const positions = await Promise.all(collaterals.map((c) => this.position(account, c, loanAsset, liquidity, stored.paused, block.number)));
    const wallet = await Promise.all(
      [w.loanAsset, ...collaterals].map(async (token) => {
        const [t, balance, allowance] = await Promise.all([
          this.token(token),
          this.balanceOf(token, account, block.number),
          this.client.readContract({ address: token, abi: abis.DevnetToken, functionName: 'allowance', args: [account, this.pool], blockNumber: block.number }),
        ]);
        return { token, symbol: t.symbol, balance, allowance };
      }),
    );
    return {
      chain: this.chain,
      chainId: this.ref.chainId,
      block: block.number,
      account,
      pool: this.pool,
      qualification,
      supplyShares: shares,
      supplied: toAssetsDown(shares, expected.totalSupplyAssets, expected.totalSupplyShares),
      loanAsset,
      wallet,
      positions,
    };
  }

  private async position(account: Address, collateral: Address, loan: PricedToken, liquidity: bigint, paused: boolean, block: bigint): Promise<PositionView> {
    const read = this.reader(block);
    const [token, cfg, pos, debt, verdict] = await Promise.all([
      this.priced(collateral, block),
      read('collateralConfig', [collateral]),
      read('position', [account, collateral]),
      read('debtOf', [account, collateral]),
      // the pool's health view peeks both prices: a refused price makes it revert, so no verdict
      read('health', [account, collateral]).catch(() => undefined),
    ]);
    const ratio = BigInt(cfg.liquidationRatio);
    const maxLtv = BigInt(cfg.maxLtv);
    const amount = BigInt(pos.collateral);
    const base = {
      collateral: token,
      collateralAmount: amount,
      borrowShares: BigInt(pos.borrowShares),
      debt,
      collateralValueWad: verdict ? verdict[0] : null,
      debtValueWad: verdict ? verdict[1] : null,
      liquidatable: verdict ? verdict[2] : null,
      liquidationRatioWad: ratio,
      maxLtvWad: maxLtv,
      open: amount > 0n || debt > 0n,
    };
    // the prices the pool itself uses: liquidation prices for health (what `health` peeks), risk prices for the
    // borrow limit (what borrow and withdrawCollateral use); they differ from the market price only while an
    // oracle move beyond its guard is pending
    const w = await this.wired();
    const pair = (fn: 'peekLiquidationPrices' | 'peekRiskPrices') =>
      this.client.readContract({ address: w.oracle, abi: abis.PriceOracle, functionName: fn, args: [collateral, loan.address], blockNumber: block }).catch(() => undefined);
    const [liq, risk] = await Promise.all([pair('peekLiquidationPrices'), pair('peekRiskPrices')]);
    if (!liq) return { ...base, collateralRatioWad: null, healthFactorWad: null, liquidationPriceUsd8: null, borrowable: 0n, withdrawable: 0n };
    const values = {
      collateral: amount,
      collateralDecimals: token.decimals,
      collateralPrice: oraclePriceToUsd8(liq[0], token.decimals),
      debt,
      debtDecimals: loan.decimals,
      debtPrice: oraclePriceToUsd8(liq[1], loan.decimals),
    };
    if (values.collateralPrice === 0n || values.debtPrice === 0n) return { ...base, collateralRatioWad: null, healthFactorWad: null, liquidationPriceUsd8: null, borrowable: 0n, withdrawable: 0n };
    const cr = debt === 0n ? null : collateralRatioWad(values);
    let borrowable = 0n;
    let withdrawable = 0n;
    if (risk && maxLtv > 0n && risk[0] > 0n && risk[1] > 0n && !paused) {
      const riskValues = { ...values, collateralPrice: oraclePriceToUsd8(risk[0], token.decimals), debtPrice: oraclePriceToUsd8(risk[1], loan.decimals) };
      if (riskValues.collateralPrice > 0n && riskValues.debtPrice > 0n) {
        // the borrow limit as a minimum collateral ratio, rounded up so the answer never promises too much
        const limitRatio = (WAD * WAD + maxLtv - 1n) / maxLtv;
        const room = maxBorrow({ ...riskValues, ratioWad: limitRatio });
        borrowable = room > debt ? room - debt : 0n;
        if (borrowable > liquidity) borrowable = liquidity;
        const keep = debt === 0n ? 0n : minCollateral({ ...riskValues, ratioWad: limitRatio });
        withdrawable = amount > keep ? amount - keep : 0n;
      }
    }
    if (debt === 0n) withdrawable = amount;
    return {
      ...base,
      collateralRatioWad: cr,
      healthFactorWad: cr === null ? null : (cr * WAD) / ratio,
      liquidationPriceUsd8: debt === 0n ? null : liquidationPrice({ ...values, liquidationRatioWad: ratio }),
      borrowable,
      withdrawable,
    };
  }

  /** Collateral assets the pool has listed (CollateralSet events up to `block`), in listing order. */
  async collateralList(block: bigint): Promise<Address[]> {
    if (block > this.scannedTo) {
      const logs = await this.client.getLogs({ address: this.pool, event: collateralSetEvent, fromBlock: this.scannedTo + 1n, toBlock: block });
      for (const l of logs) {
        const c = l.args.collateral!;
        if (!this.collaterals.some((x) => x.toLowerCase() === c.toLowerCase())) this.collaterals.push(c);
      }
      this.scannedTo = block;
    }
    return [...this.collaterals];
  }

  async token(address: Address): Promise<Token> {
    const key = address.toLowerCase();
    const known = this.tokens.get(key);
    if (known) return known;
    const [symbol, decimals] = await Promise.all([
      this.client.readContract({ address, abi: abis.DevnetToken, functionName: 'symbol' }),
      this.client.readContract({ address, abi: abis.DevnetToken, functionName: 'decimals' }),
    ]);
    const t = { symbol, address, decimals };
    this.tokens.set(key, t);
    return t;
  }

  /** The token with its oracle price at `block` (null with the oracle's reason when it refuses). */
  async priced(address: Address, block: bigint): Promise<PricedToken> {
    const [t, w] = await Promise.all([this.token(address), this.wired()]);
    try {
      const price = await this.client.readContract({ address: w.oracle, abi: abis.PriceOracle, functionName: 'peek', args: [address], blockNumber: block });
      return { ...t, price, priceUsd8: oraclePriceToUsd8(price, t.decimals) };
    } catch (err) {
      return { ...t, price: null, priceUsd8: null, priceError: revertReason(err) };
    }
  }

  /** The pool's oracle, loan asset, liquidator and compliance registry (fixed at deployment or by governance). */
  wired(): Promise<{ oracle: Address; loanAsset: Address; liquidator: Address; registry: Address }> {
    this.wiring ??= (async () => {
      const [oracle, loanAsset, liquidator, registry] = await Promise.all([
        this.client.readContract({ address: this.pool, abi: abis.LendingPool, functionName: 'oracle' }),
        this.client.readContract({ address: this.pool, abi: abis.LendingPool, functionName: 'loanAsset' }),
        this.client.readContract({ address: this.pool, abi: abis.LendingPool, functionName: 'liquidator' }),
        this.client.readContract({ address: this.pool, abi: abis.LendingPool, functionName: 'qualification' }),
      ]);
      return { oracle, loanAsset, liquidator, registry };
    })().catch((err) => {
      this.wiring = undefined; // a chain that was down may answer next time
      throw unreachable(this.chain, err);
    });
    return this.wiring;
  }

  async latestBlock(): Promise<{ number: bigint; timestamp: bigint }> {
    try {
      const b = await this.client.getBlock({ blockTag: 'latest' });
      return { number: b.number, timestamp: b.timestamp };
    } catch (err) {
      throw unreachable(this.chain, err);
    }
  }

  private async qualification(account: Address, registry: Address): Promise<Qualification> {
    this.registry ??= new RegistryClient({ chain: { name: this.chain, chainId: this.ref.chainId, rpcUrl: this.ref.rpcUrl }, registry, signerFor: () => undefined });
    const d = await this.registry.detailedQualification(account, 'LEND');
    return { qualified: d.qualified, reason: d.reason, code: d.code };
  }

  private balanceOf(token: Address, holder: Address, block: bigint): Promise<bigint> {
    return this.client.readContract({ address: token, abi: abis.DevnetToken, functionName: 'balanceOf', args: [holder], blockNumber: block });
  }

  /** Pool views pinned to `block`. */
  private reader(block: bigint) {
    return <const fn extends PoolView>(functionName: fn, args: readonly unknown[]) =>
      this.client.readContract({ address: this.pool, abi: abis.LendingPool, functionName, args, blockNumber: block } as never) as Promise<PoolResult<fn>>;
  }
}

type PoolView = 'market' | 'expectedMarket' | 'liquidationFees' | 'borrowRate' | 'collateralConfig' | 'supplyShares' | 'position' | 'debtOf' | 'health';
type PoolResult<fn extends PoolView> = import('viem').ReadContractReturnType<typeof abis.LendingPool, fn>;

export function unreachable(chain: string, err: unknown): BaseError {
  if (err instanceof BaseError) return err;
  return new BaseError(`chain ${chain} does not answer`, { status: 502, code: 'CHAIN_UNREACHABLE', retryable: true, details: oneLine(err), cause: err });
}

/** The custom error a view reverted with (e.g. `PriceDeviationTooLarge`), else the error's first line. */
export function revertReason(err: unknown): string {
  if (err instanceof ViemError) {
    const r = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (r instanceof ContractFunctionRevertedError) return r.data?.errorName ?? r.reason ?? r.shortMessage;
  }
  return oneLine(err);
}
