import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { BaseError, InputError } from '../../shared/errors.ts';
import { repoRoot } from '../../shared/config.ts';
import { DEVNET_ACCOUNT_COUNT, DEVNET_MNEMONIC } from '../accounts.ts';
import { rpcCall } from '../rpc.ts';

export const anvilBinary = resolve(repoRoot, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');

/** `hardfork` pins the EVM rules (anvil's default moves with its releases); benches pin it so figures compare. */
export type AnvilOptions = { name: string; chainId: number; port: number; host?: string; hardfork?: string };
/** `pid` is anvil's own process id (its watchdog is `child`); the devnet records it so `devnet down` can find leftovers. */
export type AnvilProcess = { name: string; rpcUrl: string; port: number; pid: number; child: ChildProcess; stop(): Promise<void> };

/** Resolves if nothing listens on host:port, else throws a one-line error naming the port. */
export async function assertPortFree(port: number, host = '127.0.0.1', what = 'port'): Promise<void> {
  await new Promise<void>((ok, fail) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new InputError(`${what} ${port} is already in use`, { code: 'PORT_IN_USE' }) : err),
    );
    srv.listen(port, host, () => srv.close(() => ok()));
  });
}

async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  return rpcCall(rpcUrl, 'eth_chainId', [], 1000).then(
    () => true,
    () => false,
  );
}

/**
 * Runs anvil under a tiny shell watchdog tied to this process: it prints anvil's pid, forwards
 * SIGTERM/SIGINT, and kills anvil within half a second once its supervisor (this Node process) is gone,
 * even when the supervisor died by SIGKILL and ran no cleanup. Children must not outlive their supervisor.
 */
const WATCHDOG = `parent=$1; shift
"$@" & a=$!
echo "$a"
trap 'kill -TERM "$a" 2>/dev/null' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$a" 2>/dev/null; do sleep 0.5; done
kill -TERM "$a" 2>/dev/null
wait "$a"`;

/**
 * Starts one anvil chain on 127.0.0.1 in automine mode (deployment is instant); the devnet switches it to
 * interval mining afterwards so blocks come on a clock like a real chain. Waits until the RPC answers.
 */
export async function startAnvil(opts: AnvilOptions, timeoutMs = 20_000): Promise<AnvilProcess> {
  if (!existsSync(anvilBinary)) throw new BaseError('anvil binary not found', { details: 'run `npm ci`' });
  const host = opts.host ?? '127.0.0.1';
  await assertPortFree(opts.port, host, `port of chain ${opts.name}:`);
  const child = spawn(
    '/bin/sh',
    ['-c', WATCHDOG, 'palisade-anvil-watchdog', String(process.pid), anvilBinary,
      '--host', host, '--port', String(opts.port), '--chain-id', String(opts.chainId), '--accounts', String(DEVNET_ACCOUNT_COUNT),
      '--mnemonic', DEVNET_MNEMONIC, '--balance', '1000000', '--silent', ...(opts.hardfork ? ['--hardfork', opts.hardfork] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  let anvilPid: number | undefined;
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    const m = /^(\d+)\n/.exec(stdout);
    if (m) anvilPid ??= Number(m[1]);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const rpcUrl = `http://${host}:${opts.port}`;
  const kill = (signal: NodeJS.Signals) => {
    if (anvilPid) {
      try {
        process.kill(anvilPid, signal);
      } catch {
        // already gone
      }
    }
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new BaseError(`anvil for chain ${opts.name} exited at start`, { details: stderr.trim().split('\n')[0] });
    if (anvilPid && (await rpcAnswers(rpcUrl))) return { name: opts.name, rpcUrl, port: opts.port, pid: anvilPid, child, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new BaseError(`chain ${opts.name} did not answer on ${rpcUrl} within ${timeoutMs / 1000}s`, { retryable: true });
}
