/**
 * An anvil chain for gas benches, started like the devnet's (`src/chain/devnet/anvil.ts`: same mnemonic,
 * accounts and balances, automine) but on a named hardfork: anvil 1.7's default is the newest fork
 * (reported as `Bpo1`), while the issue's reference figures were measured on `prague`.
 * The chain's own `anvil_nodeInfo` must confirm the fork, so a figure is never silently measured on another.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BaseError } from '../../src/shared/errors.ts';
import { DEVNET_ACCOUNT_COUNT, DEVNET_MNEMONIC } from '../../src/chain/accounts.ts';
import { anvilBinary, assertPortFree, type AnvilProcess } from '../../src/chain/devnet/anvil.ts';

export type BenchAnvilOptions = { name: string; chainId: number; port: number; hardfork: string };
export type BenchAnvil = AnvilProcess & { hardfork: string; rpc<T>(method: string, params?: unknown[]): Promise<T> };

async function rpcCall<T>(rpcUrl: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new BaseError(`${method} failed`, { details: body.error.message });
  return body.result as T;
}

/** Starts anvil on 127.0.0.1:`port` in automine mode on `hardfork`, waits for its RPC and checks the fork. */
export async function startBenchAnvil(opts: BenchAnvilOptions, timeoutMs = 20_000): Promise<BenchAnvil> {
  if (!existsSync(anvilBinary)) throw new BaseError('anvil binary not found', { details: 'run `npm ci`' });
  const host = '127.0.0.1';
  await assertPortFree(opts.port, host, `port of bench chain ${opts.name}:`);
  const child = spawn(
    anvilBinary,
    ['--host', host, '--port', String(opts.port), '--chain-id', String(opts.chainId), '--accounts', String(DEVNET_ACCOUNT_COUNT),
      '--mnemonic', DEVNET_MNEMONIC, '--balance', '1000000', '--hardfork', opts.hardfork, '--silent'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const rpcUrl = `http://${host}:${opts.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const rpc = <T>(method: string, params: unknown[] = []) => rpcCall<T>(rpcUrl, method, params);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new BaseError(`anvil for bench chain ${opts.name} exited at start`, { details: stderr.trim().split('\n')[0] });
      }
      try {
        await rpc('eth_chainId');
        break;
      } catch {
        if (Date.now() > deadline) throw new BaseError(`bench chain ${opts.name} did not answer on ${rpcUrl}`, { retryable: true });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const info = await rpc<{ hardFork: string }>('anvil_nodeInfo');
    if (info.hardFork.toLowerCase() !== opts.hardfork.toLowerCase()) {
      throw new BaseError(`bench chain runs hardfork ${info.hardFork}, not ${opts.hardfork}`);
    }
    return { name: opts.name, rpcUrl, port: opts.port, child, stop, hardfork: info.hardFork, rpc };
  } catch (err) {
    await stop();
    throw err;
  }
}
