/**
 * An anvil chain for gas benches, started like the devnet's (`src/chain/devnet/anvil.ts`: same mnemonic,
 * accounts and balances, automine) but on a named hardfork: anvil 1.7's default is the newest fork
 * (reported as `Bpo1`), while the issue's reference figures were measured on `prague`.
 * The chain's own `anvil_nodeInfo` must confirm the fork, so a figure is never silently measured on another.
 */
import { BaseError } from '../../src/shared/errors.ts';
import { startAnvil, type AnvilProcess } from '../../src/chain/devnet/anvil.ts';
import { rpcCall } from '../../src/chain/rpc.ts';

export type BenchAnvilOptions = { name: string; chainId: number; port: number; hardfork: string };
export type BenchAnvil = AnvilProcess & { hardfork: string; rpc<T>(method: string, params?: unknown[]): Promise<T> };

/** Starts anvil on 127.0.0.1:`port` in automine mode on `hardfork`, waits for its RPC and checks the fork. */
export async function startBenchAnvil(opts: BenchAnvilOptions, timeoutMs = 20_000): Promise<BenchAnvil> {
  const base = await startAnvil({ name: opts.name, chainId: opts.chainId, port: opts.port, hardfork: opts.hardfork }, timeoutMs);
  const rpc = <T>(method: string, params: unknown[] = []) => rpcCall<T>(base.rpcUrl, method, params);
  try {
    // anvil accepts unknown fork names silently on some releases: confirm what the node runs
    const info = await rpc<{ hardFork: string }>('anvil_nodeInfo');
    if (info.hardFork.toLowerCase() !== opts.hardfork.toLowerCase()) {
      throw new BaseError(`bench chain runs hardfork ${info.hardFork}, not ${opts.hardfork}`);
    }
    return { ...base, hardfork: info.hardFork, rpc };
  } catch (err) {
    await base.stop();
    throw err;
  }
}
