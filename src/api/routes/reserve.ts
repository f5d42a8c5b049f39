/**
 * GET /reserve?chain= — each chain's risk reserve: balance, the debt it backs, coverage ratio,
 * shortfall still owed, and its recent movements.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { amount, protocolErrorHandler, toJson, validated } from './openapi.ts';
import { chainErrorsSchema, chainQuery, type ProtocolRouteOptions } from './markets.ts';

export const reserveSchema = z.object({
  chain: z.string(),
  block: amount(),
  timestamp: amount(),
  reserve: z.string(),
  asset: z.object({ address: z.string(), symbol: z.string(), decimals: z.number().int() }),
  balance: amount(),
  outstandingDebt: amount('Open debt with interest plus debt in auctions'),
  coverageRatioWad: amount('balance / outstanding debt, WAD; null without debt').nullable(),
  pendingShortfall: amount('Shortfall the reserve could not pay yet').nullable(),
  movements: z.array(
    z.object({
      kind: z.enum(['deposit', 'skim', 'shortfall-paid']),
      block: amount(),
      logIndex: z.number().int(),
      timestamp: amount(),
      amount: amount('Positive in, negative out'),
      balance: amount('Balance after it'),
      from: z.string().nullable().describe('Who deposited, or the liquidator that drew a shortfall; null for a skim'),
      txHash: z.string(),
    }),
  ),
});

export const reserveResponse = z.object({ reserves: z.array(reserveSchema), errors: chainErrorsSchema });

export const reserveRoutes: FastifyPluginAsync<ProtocolRouteOptions> = async (app, { readers }) => {
  app.setErrorHandler(protocolErrorHandler);
  const query = chainQuery(readers.chains);
  app.get(
    '/reserve',
    { config: { doc: { summary: 'Risk reserve per chain: balance and coverage', tags: ['reserve'], query, response: reserveResponse } } },
    async (req) => {
      const q = validated(query, req.query, 'invalid query');
      const { results, errors } = await readers.each(q.chain, (r) => r.reserve.read());
      return { reserves: toJson(results), errors };
    },
  );
};
