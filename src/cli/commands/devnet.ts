import { spawn } from 'node:child_process';
import { openSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, repoRoot } from '../../shared/config.ts';
import { BaseError, InputError } from '../../shared/errors.ts';
import { publicClient } from '../../chain/clients.ts';
import { startStack } from '../stack.ts';
import { clearState, isAlive, readState, writeState } from '../devnetState.ts';
import { fail, printJson, progress } from '../output.ts';
import { assertPortFree } from '../../chain/devnet/anvil.ts';
import { killLeftoverAnvils, leftoverAnvils } from '../../chain/devnet/processes.ts';
import { chainProber } from '../../chain/devnet/chainState.ts';
import { readManifest } from '../../chain/manifest.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerDevnet(program: Command): void {
  const devnet = program.command('devnet').description('run the local multi-chain devnet (hub, polygon, bsc, alaya)');

  devnet
    .command('up')
    .description('start the chains, deploy and wire every contract, start the relayer and the API + dashboard')
    .option('--detach', 'run in the background; writes <stateDir>/devnet.json and returns once ready')
    .action(async (opts: { detach?: boolean }) => {
      const config = loadConfig();
      const existing = readState(config.stateDir);
      if (existing && isAlive(existing.pid)) throw new InputError(`a devnet is already running (pid ${existing.pid})`, { details: 'stop it with `palisade devnet down`' });
      // a supervisor that died without cleanup (SIGKILL, OOM) may have left anvils on our ports: ours by pid file, so stop them
      const leftovers = await killLeftoverAnvils(config.stateDir);
      if (leftovers.length) progress('')(`stopped ${leftovers.length} anvil(s) left by a devnet that died: ${leftovers.map((a) => `${a.name}@${a.port}`).join(', ')}`);
      // every port checked before anything starts: a busy API port must not cost a full deployment first
      for (const c of config.chains) await assertPortFree(c.port, '127.0.0.1', `port of chain ${c.name}:`);
      await assertPortFree(config.api.port, config.api.host, 'API port');
      if (opts.detach) return detach(config.stateDir);

      const say = progress('');
      writeState(config.stateDir, { pid: process.pid, status: 'starting', startedAt: new Date().toISOString(), chains: [] });
      let stack: Awaited<ReturnType<typeof startStack>> | undefined;
      let stopping: Promise<void> | undefined;
      const shutdown = (code: number) =>
        (stopping ??= (async () => {
          say('stopping');
          await stack?.stop();
          clearState(config.stateDir);
          process.exit(code);
        })());
      process.on('SIGINT', () => void shutdown(0));
      process.on('SIGTERM', () => void shutdown(0));
      process.on('SIGHUP', () => void shutdown(0)); // the terminal closed
      try {
        stack = await startStack(config, say);
      } catch (err) {
        clearState(config.stateDir);
        throw err;
      }
      writeState(config.stateDir, {
        pid: process.pid,
        status: 'ready',
        startedAt: new Date().toISOString(),
        apiUrl: stack.api.url,
        manifestPath: stack.devnet.manifestPath,
        chains: stack.devnet.chains.map((c) => ({ name: c.name, chainId: c.chainId, rpcUrl: c.rpcUrl })),
      });
      say(`ready — dashboard ${stack.api.url}  (Ctrl-C to stop)`);
      await new Promise(() => {}); // run until a signal
    });

  devnet
    .command('down')
    .description('stop a devnet started with `devnet up --detach` (or in another terminal)')
    .action(async () => {
      const { stateDir } = loadConfig();
      const s = readState(stateDir);
      if (!s || !isAlive(s.pid)) {
        clearState(stateDir, s?.pid);
        const left = await killLeftoverAnvils(stateDir);
        if (left.length) return void process.stdout.write(`stopped ${left.length} anvil(s) left by a devnet that died: ${left.map((a) => `${a.name}@${a.port} (pid ${a.pid})`).join(', ')}\n`);
        throw new InputError('no devnet is running');
      }
      process.kill(s.pid, 'SIGTERM');
      for (let i = 0; i < 100 && isAlive(s.pid); i++) await sleep(100);
      if (isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      clearState(stateDir, s.pid);
      await killLeftoverAnvils(stateDir); // after a forced kill its anvils' watchdogs stop them; this makes sure
      process.stdout.write(`devnet (pid ${s.pid}) stopped\n`);
    });

  devnet
    .command('status')
    .description('show whether a devnet runs, with each chain and its block height')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { stateDir } = loadConfig();
      const s = readState(stateDir);
      const running = !!s && isAlive(s.pid);
      // each chain's height and whether it still holds the deployment (a hung chain is `down` in ~2 s)
      const manifest = running && s!.manifestPath && existsSync(s!.manifestPath) ? readManifest(s!.manifestPath) : undefined;
      const chains = running
        ? await Promise.all(
            s!.chains.map(async (c) => {
              const deployment = manifest?.chains[c.name];
              if (deployment) return { ...c, ...(await chainProber(c.name, deployment, 2_000)()) };
              const blockNumber = await publicClient(c, 250, { timeoutMs: 2_000, retryCount: 0 }).getBlockNumber().then(Number, () => null);
              return { ...c, blockNumber, status: blockNumber === null ? 'down' : 'ok' };
            }),
          )
        : [];
      const leftovers = running ? [] : leftoverAnvils(stateDir);
      const out = { running, status: running ? s!.status : 'stopped', pid: running ? s!.pid : null, apiUrl: running ? (s?.apiUrl ?? null) : null, chains, leftovers };
      if (opts.json) return printJson(out);
      if (!running) {
        process.stdout.write('devnet: stopped\n');
        if (leftovers.length) process.stdout.write(`  left behind by a devnet that died: ${leftovers.map((a) => `anvil ${a.name}@${a.port} (pid ${a.pid})`).join(', ')}; \`palisade devnet down\` stops them\n`);
        return;
      }
      process.stdout.write(`devnet: ${out.status} (pid ${out.pid})  api ${out.apiUrl ?? '-'}\n`);
      for (const c of chains)
        process.stdout.write(`  ${c.name.padEnd(8)} chain ${String(c.chainId).padEnd(6)} block ${String(c.blockNumber ?? '-').padEnd(8)} ${c.status.padEnd(10)} ${c.rpcUrl}\n`);
    });
}

/**
 * Re-runs `devnet up` in the background with its output in <stateDir>/devnet.log, shows its progress
 * lines (stderr) as they come, and returns once it is ready.
 */
async function detach(stateDir: string): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const logPath = join(stateDir, 'devnet.log');
  const out = openSync(logPath, 'w');
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/palisade.js'), 'devnet', 'up'], { detached: true, stdio: ['ignore', out, out], env: process.env });
  child.unref();
  let shown = 0;
  const showProgress = () => {
    const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    const end = text.lastIndexOf('\n') + 1; // whole lines only
    if (end > shown) {
      for (const line of text.slice(shown, end).split('\n')) if (/^\[\s*[\d.]+s\] /.test(line)) process.stderr.write(line + '\n');
      shown = end;
    }
  };
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    showProgress();
    const s = readState(stateDir);
    if (s?.status === 'ready' && s.pid === child.pid) {
      process.stdout.write(`devnet running in the background (pid ${s.pid}); dashboard ${s.apiUrl}; log ${logPath}\n`);
      return;
    }
    if (child.exitCode !== null || !isAlive(child.pid!)) {
      showProgress();
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n') : [];
      const line = log.reverse().find((l) => l.startsWith('palisade:')) ?? log[0] ?? 'see ' + logPath;
      throw new BaseError(`devnet failed to start: ${line.replace(/^palisade: /, '')}`);
    }
    await sleep(250);
  }
  process.kill(child.pid!, 'SIGTERM');
  throw new BaseError('devnet did not become ready within 180 s', { details: `see ${logPath}` });
}

export { fail };
