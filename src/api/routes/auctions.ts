/**
 * GET /auctions?chain=&limit= — each chain's liquidation auctions: live lots with their current
 * price, next step and price curve, and the most recent finished lots with their outcome.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { BaseError } from '../../shared/errors.ts';
import { amount, protocolErrorHandler, toJson, validated } from './openapi.ts';
import { chainErrorsSchema, chainQuery, tokenSchema, type ProtocolRouteOptions } from './markets.ts';

const takeSchema = z.object({
  block: amount(),
  timestamp: amount(),
  taker: z.string(),
  collateralOut: amount(),
  price: amount('Auction unit: loan smallest units per collateral smallest unit × 1e36'),
  paid: amount(),
  debtRepaid: amount(),
  feePaid: amount(),
  rebate: amount(),
  txHash: z.string(),
});

export const lotHistorySchema = z.object({
  id: amount('Lot id: collateral address << 96 | sequence'),
  sequence: amount(),
  borrower: z.string(),
  collateral: tokenSchema,
  loanAsset: tokenSchema,
  kicker: z.string(),
  kickBlock: amount(),
  kickTime: amount(),
  collateralAmount: amount('Collateral seized at kick'),
  debt: amount('Debt taken over at kick'),
  fee: amount('Liquidation fee the lot must raise after the debt'),
  startPrice: amount(),
  takes: z.array(takeSchema),
  resets: z.array(z.object({ block: amount(), timestamp: amount(), startPrice: amount(), valuation: amount() })),
  finished: z
    .object({
      block: amount(),
      timestamp: amount(),
      collateralReturned: amount('Unsold collateral given back to the borrower'),
      shortfall: amount('Debt left when the collateral ran out'),
      coveredByReserve: amount(),
      outcome: z.enum(['sold', 'shortfall']),
    })
    .nullable(),
  collateralSold: amount(),
  raised: amount(),
});

export const liveLotSchema = lotHistorySchema.extend({
  collateralLeft: amount(),
  debtLeft: amount(),
  feeLeft: amount(),
  roundStartPrice: amount(),
  roundStartTime: amount(),
  price: amount('Current price (auction unit)'),
  valuation: amount('Oracle valuation now (auction unit)'),
  needsReset: z.boolean(),
  makerRebate: z.boolean(),
  nextStepAt: amount('Chain time of the next price step'),
  nextPrice: amount('Price after the next step'),
  floorPrice: amount('Below this the lot must be reset'),
  curve: z.array(z.object({ at: amount(), price: amount() })).describe('The stairstep from the round start to the tail'),
});

export const auctionsViewSchema = z.object({
  chain: z.string(),
  block: amount(),
  timestamp: amount(),
  liquidator: z.string(),
  params: z.object({
    liquidationFeeBps: z.number(),
    reserveShareBps: z.number(),
    startPremiumBps: z.number(),
    stepFactorBps: z.number(),
    floorBps: z.number(),
    makerRebateBps: z.number(),
    stepSeconds: z.number(),
    tailSeconds: z.number(),
    makerDelaySeconds: z.number(),
    lotCount: z.number().int(),
    minTakeMantissa: z.number().int(),
    minTakeExponent: z.number().int().describe('Minimum take that leaves a lot running: mantissa × 10^exponent loan units'),
  }),
  pendingShortfall: amount(),
  live: z.array(liveLotSchema),
  recent: z.array(lotHistorySchema),
});

export const auctionsResponse = z.object({ auctions: z.array(auctionsViewSchema), errors: chainErrorsSchema });

export const auctionsRoutes: FastifyPluginAsync<ProtocolRouteOptions> = async (app, { readers }) => {
  app.setErrorHandler(protocolErrorHandler);
  const query = chainQuery(readers.chains, {
    limit: z.coerce.number().int().min(1).max(500).optional().describe('Finished lots to return per chain (default 20, at most 500)'),
  });
  app.get(
    '/auctions',
    { config: { doc: { summary: 'Live auction lots and recent liquidations per chain', tags: ['liquidation'], query, response: auctionsResponse } } },
    async (req) => {
      const q = validated(query, req.query, 'invalid query');
      const { results, errors } = await readers.each(q.chain, async (r) => {
        if (!r.auctions) throw new BaseError(`no Liquidator deployed on ${r.chain}`, { status: 404, code: 'NO_LIQUIDATOR' });
        return r.auctions.auctions(q.limit ?? 20);
      });
      return { auctions: toJson(results), errors };
    },
  );
};
