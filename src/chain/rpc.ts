import { BaseError } from '../shared/errors.ts';

/**
 * One raw JSON-RPC call, for what viem's clients don't cover: probing an endpoint before any client
 * exists, and anvil's test methods. An unreachable endpoint is retryable; an error answer is not.
 */
export async function rpcCall<T>(rpcUrl: string, method: string, params: unknown[] = [], timeoutMs = 15_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    throw new BaseError(`RPC ${rpcUrl} does not answer`, { retryable: true, code: 'RPC_DOWN', cause });
  }
  const body = (await res.json().catch(() => ({}))) as { result?: T; error?: { message: string } };
  if (body.error) throw new BaseError(`${method} failed`, { details: body.error.message });
  if (!res.ok || !('result' in body)) throw new BaseError(`RPC ${rpcUrl} does not answer ${method}`, { code: 'RPC_DOWN' });
  return body.result as T;
}
