/**
 * Typed access to the protocol routes (markets, positions, auctions, reserve, stream). The answer
 * types are the server's own zod schemas (type-only imports: nothing of the server is bundled), so a
 * changed route shows up as a type error here; at run time the answers get a light shape check.
 */
import type { z } from 'zod';
import type { marketsResponse } from '../../src/api/routes/markets.ts';
import type { positionsResponse } from '../../src/api/routes/positions.ts';
import type { auctionsResponse } from '../../src/api/routes/auctions.ts';
import type { reserveResponse } from '../../src/api/routes/reserve.ts';
import { ApiError } from './api.ts';

export type MarketsAnswer = z.infer<typeof marketsResponse>;
export type Market = MarketsAnswer['markets'][number];
export type PositionsAnswer = z.infer<typeof positionsResponse>;
export type AccountOnChain = PositionsAnswer['chains'][number];
export type Position = AccountOnChain['positions'][number];
export type AuctionsAnswer = z.infer<typeof auctionsResponse>;
export type ChainAuctions = AuctionsAnswer['auctions'][number];
export type LiveLot = ChainAuctions['live'][number];
export type LotHistory = ChainAuctions['recent'][number];
export type ReserveAnswer = z.infer<typeof reserveResponse>;
export type Reserve = ReserveAnswer['reserves'][number];

const REQUEST_TIMEOUT_MS = 8_000;

async function getJson<T>(path: string, signal: AbortSignal | undefined, listKey: string): Promise<T> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(path, { signal: combined, headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (err) {
    if (signal?.aborted) throw err;
    if (timeout.aborted) throw new ApiError(`GET ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
    throw new ApiError(`GET ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!res.ok) {
    const why = body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
    const details = body && Array.isArray(body.details) ? `: ${(body.details as { path: string; message: string }[]).map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join('; ')}` : '';
    throw new ApiError(`${why}${details}`, res.status);
  }
  if (!body || !Array.isArray(body[listKey]) || !Array.isArray(body.errors)) throw new ApiError(`GET ${path}: answer has no ${listKey} list`);
  return body as T;
}

export const getMarkets = (signal?: AbortSignal) => getJson<MarketsAnswer>('/markets', signal, 'markets');
export const getPositions = (address: string, signal?: AbortSignal) => getJson<PositionsAnswer>(`/positions/${encodeURIComponent(address)}`, signal, 'chains');
export const getAuctions = (signal?: AbortSignal, limit = 50) => getJson<AuctionsAnswer>(`/auctions?limit=${limit}`, signal, 'auctions');
export const getReserves = (signal?: AbortSignal) => getJson<ReserveAnswer>('/reserve', signal, 'reserves');
