/**
 * The running devnet's prices, through its price feed services (one per chain):
 *
 *   GET  /prices                      { chain: { asset: price } } from the feeds
 *   POST /prices/:chain  { asset, price }  moves one price now (in guarded steps) → the update
 *
 * `palisade prices set` calls the POST, so manual moves are serialised with the service's own updates
 * (one signer, no nonce races). Bad input answers 400 and nothing is sent.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { PriceFeedService } from '../../oracle/priceFeedService.ts';
import { InputError, oneLine } from '../../shared/errors.ts';

export type PricesRoutesOptions = { feeds: Record<string, PriceFeedService> };

const setBody = z.strictObject({
  asset: z.string().min(1),
  price: z.number().positive().finite(),
});

export const pricesRoutes: FastifyPluginAsync<PricesRoutesOptions> = async (app, { feeds }) => {
  app.get('/prices', async () => {
    const out: Record<string, Record<string, number> | { error: string }> = {};
    await Promise.all(
      Object.entries(feeds).map(async ([chain, feed]) => {
        out[chain] = await feed.prices().catch((err) => ({ error: oneLine(err) }));
      }),
    );
    return out;
  });

  app.post<{ Params: { chain: string } }>('/prices/:chain', async (req) => {
    const feed = feeds[req.params.chain];
    if (!feed) throw new InputError(`unknown chain "${req.params.chain}"`, { details: `known: ${Object.keys(feeds).join(', ')}` });
    const parsed = setBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(`invalid body: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return feed.set(parsed.data.asset, parsed.data.price);
  });
};
