/**
 * Typed access to the Palisade API, served on the same origin as the dashboard.
 * Answers are checked before use so a changed server shows up as a clear error on the page,
 * not as `undefined` deep inside a component.
 */

export type ChainInfo = {
  name: string;
  chainId: number;
  /** Latest block height; null when the API could not reach the chain's RPC. */
  blockNumber: number | null;
  rpcUrl: string;
  /** Contract name → deployed address, in the manifest's order. */
  contracts: Record<string, string>;
};

export type HealthStatus = 'ok' | 'starting' | 'degraded';

export type Health = {
  status: HealthStatus;
  /** Per-chain detail the API adds while not ok; shape is informational only. */
  chains?: Record<string, unknown>;
};

/** The API did not answer, or answered something the dashboard cannot use. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A request that takes longer than this counts as "API unreachable". */
const REQUEST_TIMEOUT_MS = 5_000;

async function getJson(path: string, signal: AbortSignal | undefined, okStatuses: number[]): Promise<unknown> {
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
  if (!res.ok && !okStatuses.includes(res.status)) {
    throw new ApiError(`GET ${path}: HTTP ${res.status} ${res.statusText}`.trim(), res.status);
  }
  try {
    return await res.json();
  } catch {
    throw new ApiError(`GET ${path}: answer is not JSON (HTTP ${res.status})`, res.status);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one `/chains` entry; throws naming the first field that is wrong. */
export function parseChain(raw: unknown, index: number): ChainInfo {
  const where = `/chains[${index}]`;
  if (!isRecord(raw)) throw new ApiError(`${where} is not an object`);
  const { name, chainId, blockNumber, rpcUrl, contracts } = raw;
  if (typeof name !== 'string' || name === '') throw new ApiError(`${where}.name is not a non-empty string`);
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId)) {
    throw new ApiError(`${where}.chainId is not an integer`);
  }
  if (blockNumber !== null && (typeof blockNumber !== 'number' || !Number.isSafeInteger(blockNumber))) {
    throw new ApiError(`${where}.blockNumber is not an integer`);
  }
  if (typeof rpcUrl !== 'string') throw new ApiError(`${where}.rpcUrl is not a string`);
  if (!isRecord(contracts)) throw new ApiError(`${where}.contracts is not an object`);
  const checked: Record<string, string> = {};
  for (const [contract, address] of Object.entries(contracts)) {
    if (typeof address !== 'string') throw new ApiError(`${where}.contracts.${contract} is not a string`);
    checked[contract] = address;
  }
  return { name, chainId, blockNumber, rpcUrl, contracts: checked };
}

export async function getChains(signal?: AbortSignal): Promise<ChainInfo[]> {
  const body = await getJson('/chains', signal, []);
  if (!Array.isArray(body)) throw new ApiError('/chains did not answer a list');
  return body.map(parseChain);
}

/** `/health` answers 503 with a body while starting or degraded; both are valid answers. */
export async function getHealth(signal?: AbortSignal): Promise<Health> {
  const body = await getJson('/health', signal, [503]);
  if (!isRecord(body)) throw new ApiError('/health did not answer an object');
  const { status, chains } = body;
  if (status !== 'ok' && status !== 'starting' && status !== 'degraded') {
    throw new ApiError(`/health status ${JSON.stringify(status)} is unknown`);
  }
  return isRecord(chains) ? { status, chains } : { status };
}
