/**
 * GET /positions/:address?chain= — one account on each chain: its qualification (the registry's
 * verdict for lending, with the reason), what it supplied, its wallet balances, one position per
 * collateral (collateral, debt, health factor, liquidation price, room to borrow and withdraw) and
 * its lots in auction or liquidated.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { addressSchema } from '../../compliance/dossier.ts';
import { amount, protocolErrorHandler, toJson, validated } from './openapi.ts';
import { chainErrorsSchema, chainQuery, pricedTokenSchema, type ProtocolRouteOptions } from './markets.ts';
import { liveLotSchema, lotHistorySchema } from './auctions.ts';

export const positionParams = z.strictObject({ address: addressSchema.describe('The account (EIP-55 or lower-case hex)') });

export const positionSchema = z.object({
  collateral: pricedTokenSchema,
  collateralAmount: amount(),
  borrowShares: amount(),
  debt: amount('Debt with interest to this block, rounded up'),
  collateralValueWad: amount('USD, WAD, as the pool values it').nullable(),
  debtValueWad: amount('USD, WAD').nullable(),
  liquidatable: z.boolean().nullable().describe('The pool’s verdict (null when a price is refused)'),
  collateralRatioWad: amount().nullable(),
  healthFactorWad: amount('Collateral ratio / liquidation ratio; below 1e18 the position is liquidatable').nullable(),
  liquidationPriceUsd8: amount('Collateral price (USD, 8 decimals) below which it is liquidatable').nullable(),
  borrowable: amount('More it may borrow now'),
  withdrawable: amount('Collateral it may withdraw now'),
  liquidationRatioWad: amount(),
  maxLtvWad: amount(),
  open: z.boolean(),
});

export const accountSchema = z.object({
  chain: z.string(),
  chainId: z.number().int(),
  block: amount(),
  account: z.string(),
  pool: z.string().describe('The lending pool the actions go to'),
  qualification: z.object({ qualified: z.boolean(), reason: z.string(), code: z.string() }).describe('May it lend and borrow, and why not'),
  supplyShares: amount(),
  supplied: amount('Its lender shares’ value now'),
  loanAsset: pricedTokenSchema,
  wallet: z.array(z.object({ token: z.string(), symbol: z.string(), balance: amount(), allowance: amount('Allowance to the pool') })),
  positions: z.array(positionSchema),
  lots: z.object({ live: z.array(liveLotSchema), finished: z.array(lotHistorySchema) }),
});

export const positionsResponse = z.object({ address: z.string(), chains: z.array(accountSchema), errors: chainErrorsSchema });

export const positionsRoutes: FastifyPluginAsync<ProtocolRouteOptions> = async (app, { readers }) => {
  app.setErrorHandler(protocolErrorHandler);
  const query = chainQuery(readers.chains);
  app.get(
    '/positions/:address',
    { config: { doc: { summary: 'An account’s positions, health and qualification per chain', tags: ['lending'], params: positionParams, query, response: positionsResponse } } },
    async (req) => {
      const { address } = validated(positionParams, req.params, 'invalid address');
      const q = validated(query, req.query, 'invalid query');
      const { results, errors } = await readers.each(q.chain, async (r) => {
        const [account, lots] = await Promise.all([r.lending.account(address), r.auctions ? r.auctions.lotsOf(address) : { live: [], finished: [] }]);
        return { ...account, lots };
      });
      return { address, chains: toJson(results), errors };
    },
  );
};
