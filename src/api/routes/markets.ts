/**
 * GET /markets?chain= — each chain's lending market: assets with oracle prices, supplied, borrowed,
 * liquidity, utilization, borrow and supply rates, collateral thresholds.
 *
 * Also the per-chain readers every protocol route shares (one LendingReader, AuctionReader and
 * ReserveReader per chain of the manifest, so their caches of tokens and events are built once).
 * A chain that does not answer shows up in `errors` while the other chains still answer.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Address } from 'viem';
import type { Manifest } from '../../chain/manifest.ts';
import { LendingReader } from '../../lending/lendingReads.ts';
import { AuctionReader } from '../../liquidation/auctions.ts';
import { ReserveReader } from '../../reserve/reserveReads.ts';
import { oneLine } from '../../shared/errors.ts';
import { amount, protocolErrorHandler, toJson, validated } from './openapi.ts';

export type ChainReaders = { chain: string; lending: LendingReader; auctions: AuctionReader | undefined; reserve: ReserveReader };

/** One set of readers per chain of the deployment. */
export class ProtocolReaders {
  private readonly byChain = new Map<string, ChainReaders>();

  constructor(readonly manifest: Manifest) {
    for (const [name, c] of Object.entries(manifest.chains)) {
      if (!c.contracts.LendingPool) continue; // a chain without a market has nothing to read here
      const lending = new LendingReader({ name, chainId: c.chainId, rpcUrl: c.rpcUrl, contracts: c.contracts });
      const liquidator = c.contracts.Liquidator as Address | undefined;
      this.byChain.set(name, {
        chain: name,
        lending,
        auctions: liquidator ? new AuctionReader(lending, liquidator) : undefined,
        reserve: new ReserveReader(name, lending.client, c.contracts.RiskReserve as Address | undefined, liquidator),
      });
    }
  }

  get chains(): string[] {
    return [...this.byChain.keys()];
  }

  /** The readers of `chain`, or of every chain when it is undefined (validated before by `chainQuery`). */
  select(chain: string | undefined): ChainReaders[] {
    const all = [...this.byChain.values()];
    return chain === undefined ? all : all.filter((r) => r.chain === chain);
  }

  /**
   * Runs `read` on each selected chain at once; a chain that fails is reported in `errors` instead
   * of failing the whole answer. When a single chain was asked for and it fails, the error is thrown.
   */
  async each<T>(chain: string | undefined, read: (r: ChainReaders) => Promise<T>): Promise<{ results: T[]; errors: { chain: string; error: string }[] }> {
    const selected = this.select(chain);
    const settled = await Promise.allSettled(selected.map(read));
    if (chain !== undefined && settled[0]?.status === 'rejected') throw settled[0].reason;
    const results: T[] = [];
    const errors: { chain: string; error: string }[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') results.push(s.value);
      else errors.push({ chain: selected[i]!.chain, error: oneLine(s.reason) });
    });
    return { results, errors };
  }
}

/** `?chain=` limited to the deployment's chains (unknown names are bad input, not an empty answer). */
export function chainQuery<E extends z.ZodRawShape = {}>(chains: string[], extra: E = {} as E) {
  return z.strictObject({
    chain: z
      .string()
      .refine((c) => chains.includes(c), { message: `unknown chain; known: ${chains.join(', ')}` })
      .optional()
      .describe(`One chain of the deployment (${chains.join(', ')}); all chains when absent`),
    ...extra,
  });
}

export const chainErrorsSchema = z.array(z.object({ chain: z.string(), error: z.string() })).describe('Chains that did not answer');

export const tokenSchema = z.object({ symbol: z.string(), address: z.string(), decimals: z.number().int() });

export const pricedTokenSchema = tokenSchema.extend({
  price: amount('What the feed says now (the oracle’s peek): USD per smallest unit × 1e36').nullable(),
  priceUsd8: amount('USD per whole token, 8 decimals').nullable(),
  priceError: z.string().optional().describe('Why the oracle refuses the price (stale, not positive)'),
});

export const marketSchema = z.object({
  chain: z.string(),
  chainId: z.number().int(),
  block: amount(),
  timestamp: amount(),
  contracts: z.object({ pool: z.string(), oracle: z.string(), liquidator: z.string(), reserve: z.string().nullable(), registry: z.string() }),
  paused: z.boolean().describe('The guardian paused new risk; repay and liquidation go on'),
  loanAsset: pricedTokenSchema,
  totalSupplyAssets: amount('Owed to lenders, interest included (loan smallest units)'),
  totalBorrowAssets: amount('Debt of open positions, interest included'),
  auctionDebt: amount('Debt of seized positions not yet raised by their lots'),
  liquidity: amount('Loan assets free for withdrawals and borrows'),
  utilizationWad: amount('(borrowed + auction debt) / supplied, WAD'),
  borrowRatePerSecondWad: amount(),
  borrowAprWad: amount('Annual borrow rate, WAD'),
  supplyAprWad: amount('Annual rate lenders earn, WAD'),
  rateModel: z.object({ baseRateBps: z.number(), slope1Bps: z.number(), slope2Bps: z.number(), kinkBps: z.number() }),
  collaterals: z.array(
    z.object({
      token: pricedTokenSchema,
      liquidationRatioWad: amount('Minimum collateral ratio; below it a position is liquidatable'),
      maxLtvWad: amount('Maximum loan-to-value for borrowing and withdrawing'),
      enabled: z.boolean(),
      minDebt: amount('Smallest debt a position may keep after a borrow or partial repay'),
      totalCollateral: amount('Collateral held by the pool for positions and lots'),
      totalCollateralUsdWad: amount().nullable(),
    }),
  ),
});

export const marketsResponse = z.object({ markets: z.array(marketSchema), errors: chainErrorsSchema });

export type ProtocolRouteOptions = { readers: ProtocolReaders };

export const marketsRoutes: FastifyPluginAsync<ProtocolRouteOptions> = async (app, { readers }) => {
  app.setErrorHandler(protocolErrorHandler);
  const query = chainQuery(readers.chains);
  app.get(
    '/markets',
    { config: { doc: { summary: 'Lending markets per chain', tags: ['lending'], query, response: marketsResponse } } },
    async (req) => {
      const q = validated(query, req.query, 'invalid query');
      const { results, errors } = await readers.each(q.chain, (r) => r.lending.market());
      return { markets: toJson(results), errors };
    },
  );
};
