import { encodeFunctionData, parseUnits, type Address } from 'viem';
import { abis } from '../abi/generated.ts';
import type { ChainClients } from '../clients.ts';
import { deploy, send } from '../tx.ts';
import { throughTimelock } from './timelock.ts';
import type { Progress } from './deployCore.ts';
import { devnetAccount } from '../accounts.ts';

const DEVNET_PRICE_PUSHER = devnetAccount('pricePusher').address;
const DEVNET_MARKET_MAKER = devnetAccount('marketMaker').address;
const DEVNET_EXECUTORS = [devnetAccount('executor').address, devnetAccount('secondExecutor').address];

/** A collateral asset of the pool and its governed thresholds (SPEC §D; WAD ratios). */
export type CollateralConfig = { symbol: string; address: Address; feed?: Address; initialPrice8: bigint; liquidationRatio: bigint; maxLtv: bigint };

export type LendingDeployOptions = {
  loanAsset: { symbol: string; address: Address; feed?: Address; initialPrice8: bigint };
  collaterals: CollateralConfig[];
  registry: Address;
  timelock: Address;
  /** Devnet: who may push prices to the devnet feeds. Real networks pass existing Chainlink feeds instead. */
  pricePusher: Address;
  /** Seconds after which a feed answer is stale. */
  heartbeat: number;
  /** Largest move of one accepted price against the last, in basis points. */
  maxDeviationBps: number;
  /** Confirms or rejects oracle moves beyond the guard within the move window (never the timelock; a
   *  multisig on a real network). Undefined: none, so every such move waits out its window. */
  oracleGuardian?: Address;
  makers: Address[];
  /** Executor nodes registered as auction takers (other takers must be qualified LEND clients). */
  executors?: Address[];
  /** Smallest debt (loan-asset units) a position may keep, for every collateral: every auction lot is worth taking. */
  minDebt?: bigint;
  onProgress?: Progress;
};

export const ETH_LIKE = { liquidationRatio: parseUnits('1.1', 18), maxLtv: parseUnits('0.8', 18) };
export const VOLATILE = { liquidationRatio: parseUnits('1.2', 18), maxLtv: parseUnits('0.7', 18) };

/**
 * Deploys one chain's lending market (SPEC §D–F): price feeds + oracle adapter, the pool over the loan
 * asset with its collateral assets, the risk reserve and the Dutch-auction liquidator, wired together and
 * handed to the timelock (each contract's governance is accepted through a timelock call).
 */
export async function deployLending(c: ChainClients, o: LendingDeployOptions): Promise<Record<string, Address>> {
  const step = o.onProgress ?? (() => {});
  const deployer = c.wallet.account.address;
  const out: Record<string, Address> = {};

  step('oracle: price feeds and adapter');
  out.PriceOracle = await deploy(c, 'PriceOracle', [deployer]);
  const priced: { symbol: string; address: Address; feed?: Address; initialPrice8: bigint }[] = [o.loanAsset, ...o.collaterals];
  for (const a of priced) {
    const feed: Address = a.feed ?? (await deploy(c, 'DevnetPriceFeed', [`${a.symbol} / USD`, deployer, o.pricePusher, a.initialPrice8]));
    out[`${a.symbol}Feed`] = feed;
    await send(c, { address: out.PriceOracle, abi: abis.PriceOracle, functionName: 'setFeed', args: [a.address, feed, o.heartbeat, o.maxDeviationBps] });
  }
  if (o.oracleGuardian) await send(c, { address: out.PriceOracle, abi: abis.PriceOracle, functionName: 'setGuardian', args: [o.oracleGuardian] });

  step('lending: pool, reserve, liquidator');
  out.LendingPool = await deploy(c, 'LendingPool', [o.loanAsset.address, out.PriceOracle, o.registry, deployer, { baseBps: 0, slope1Bps: 400, slope2Bps: 6000, kinkBps: 8000 }]);
  for (const col of o.collaterals) {
    await send(c, { address: out.LendingPool, abi: abis.LendingPool, functionName: 'setCollateral', args: [col.address, col.liquidationRatio, col.maxLtv, true] });
    if (o.minDebt) await send(c, { address: out.LendingPool, abi: abis.LendingPool, functionName: 'setMinDebt', args: [col.address, o.minDebt] });
  }
  out.RiskReserve = await deploy(c, 'RiskReserve', [o.loanAsset.address, out.LendingPool, deployer]);
  // the liquidation fee's non-reserve half goes to the treasury the timelock controls
  out.Liquidator = await deploy(c, 'Liquidator', [out.LendingPool, out.RiskReserve, o.timelock, deployer]);
  await send(c, { address: out.LendingPool, abi: abis.LendingPool, functionName: 'setLiquidator', args: [out.Liquidator] });
  await send(c, { address: out.RiskReserve, abi: abis.RiskReserve, functionName: 'setLiquidator', args: [out.Liquidator] });
  for (const m of o.makers) await send(c, { address: out.Liquidator, abi: abis.Liquidator, functionName: 'setMaker', args: [m, true] });
  for (const e of o.executors ?? []) await send(c, { address: out.Liquidator, abi: abis.Liquidator, functionName: 'setExecutor', args: [e, true] });

  step('lending: governance to the timelock');
  const ownFeeds = priced.filter((a) => !a.feed).map((a) => out[`${a.symbol}Feed`]!);
  const governed: Address[] = [out.PriceOracle, out.LendingPool, out.RiskReserve, out.Liquidator, ...ownFeeds];
  for (const target of governed) {
    await send(c, { address: target, abi: abis.LendingPool, functionName: 'transferGovernance', args: [o.timelock] });
    await throughTimelock(c, o.timelock, target, encodeFunctionData({ abi: abis.LendingPool, functionName: 'acceptGovernance' }));
  }
  return out;
}

/** The devnet's market on every chain: USDC loans against WETH and WBTC (both ETH-like: 110%). */
export function devnetLendingOptions(contracts: Record<string, Address>, pricePusher: Address = DEVNET_PRICE_PUSHER): LendingDeployOptions {
  return {
    loanAsset: { symbol: 'USDC', address: contracts.USDC!, initialPrice8: 1_00000000n },
    collaterals: [
      { symbol: 'WETH', address: contracts.WETH!, initialPrice8: 2_000_00000000n, ...ETH_LIKE },
      { symbol: 'WBTC', address: contracts.WBTC!, initialPrice8: 60_000_00000000n, ...ETH_LIKE },
    ],
    registry: contracts.QualifiedClientRegistry!,
    timelock: contracts.Timelock!,
    pricePusher,
    heartbeat: 7 * 24 * 3600, // scenarios jump time by hours; a week keeps devnet prices fresh
    maxDeviationBps: 3000,
    // the devnet's deployer key stands in for the guardian's multisig
    oracleGuardian: devnetAccount('deployer').address,
    makers: [DEVNET_MARKET_MAKER],
    executors: DEVNET_EXECUTORS,
    minDebt: 100_000000n, // 100 USDC
  };
}
