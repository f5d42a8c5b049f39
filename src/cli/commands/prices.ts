/**
 * `palisade prices show [--json]` shows the running devnet's prices per chain;
 * `palisade prices set <asset> <price> [--chain <name>] [--json]` moves one by hand (every chain unless
 * --chain), e.g. `palisade prices set WETH 1200` to crash WETH and watch the demo positions liquidated.
 * Goes through the running devnet's price feed services (its API), so a manual move never races the
 * services' own updates for the pusher's nonces.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../shared/config.ts';
import { BaseError, InputError } from '../../shared/errors.ts';
import { isAlive, readState } from '../devnetState.ts';
import { printJson } from '../output.ts';

function runningApi(): string {
  const { stateDir } = loadConfig();
  const s = readState(stateDir);
  if (!s || !isAlive(s.pid)) throw new InputError('no devnet is running', { details: 'start one with `npm start` or `palisade devnet up --detach`' });
  if (s.status !== 'ready' || !s.apiUrl) throw new InputError('the devnet is still starting; try again when `palisade devnet status` says ready');
  return s.apiUrl;
}

async function call(url: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(90_000) });
  } catch (cause) {
    throw new BaseError(`the devnet API at ${new URL(url).origin} does not answer`, { cause });
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; details?: unknown };
  if (!res.ok) throw new BaseError(body.error ?? `HTTP ${res.status}`, { details: typeof body.details === 'string' ? body.details : undefined });
  return body;
}

export function parsePrice(raw: string): number {
  const price = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(price) || price <= 0) throw new InputError(`price must be a positive number, got "${raw}"`);
  return price;
}

export function registerPrices(program: Command): void {
  const prices = program.command('prices').description("the running devnet's feed prices: `prices show`, `prices set` moves one by hand");
  prices
    .command('show')
    .description('each chain\'s current feed prices')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const all = (await call(`${runningApi()}/prices`)) as Record<string, Record<string, number>>;
      if (o.json) return printJson(all);
      for (const [chain, p] of Object.entries(all)) {
        process.stdout.write(`${chain.padEnd(8)} ${Object.entries(p).map(([a, v]) => `${a} ${typeof v === 'number' ? v.toFixed(2) : String(v)}`).join('  ')}\n`);
      }
    });

  prices
    .command('set')
    .description('move an asset price now, in oracle-guarded steps (e.g. `prices set WETH 1200` to crash WETH)')
    .argument('<asset>', 'USDC, WETH or WBTC')
    .argument('<price>', 'new USD price')
    .option('--chain <name>', 'only this chain (default: every chain)')
    .option('--json', 'print JSON')
    .action(async (asset: string, rawPrice: string, o: { chain?: string; json?: boolean }) => {
      const price = parsePrice(rawPrice);
      const api = runningApi();
      const known = Object.keys((await call(`${api}/prices`)) as Record<string, unknown>);
      if (o.chain && !known.includes(o.chain)) throw new InputError(`unknown chain "${o.chain}"`, { details: `known: ${known.join(', ')}` });
      const chains = o.chain ? [o.chain] : known;
      const updates = await Promise.all(
        chains.map((chain) =>
          call(`${api}/prices/${chain}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ asset: asset.toUpperCase(), price }) }),
        ),
      );
      if (o.json) return printJson(updates);
      for (const u of updates as { chain: string; asset: string; price: number; steps: number; block: string | null }[])
        process.stdout.write(`${u.chain}: ${u.asset} = ${u.price}${u.block ? ` (block ${u.block}, ${u.steps} step${u.steps === 1 ? '' : 's'})` : ' (unchanged)'}\n`);
    });
}
