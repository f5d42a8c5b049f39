import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseEventLogs, type Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { publicClient } from '../chain/clients.ts';
import { readManifest } from '../chain/manifest.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { readAnvilRecord } from '../chain/devnet/processes.ts';
import { startAnvil } from '../chain/devnet/anvil.ts';

/**
 * The running devnet as a user meets it, through the `palisade` command: every service on every chain,
 * a price crash by hand liquidating the demo positions, a hung chain reported within 3 s, an empty chain
 * on a dead chain's port reported as "state gone", and a supervisor killed with SIGKILL leaving nothing
 * behind so the next `devnet up` works.
 */
const bin = resolve(import.meta.dirname, '../../bin/palisade.js');
const PORTS = { hub: 27545, polygon: 27546, api: 27580 };

const dir = mkdtempSync(join(tmpdir(), 'palisade-devnet-'));
const configPath = join(dir, 'palisade.config.json');
writeFileSync(
  configPath,
  JSON.stringify({
    chains: [
      { name: 'hub', chainId: 31337, eid: 40101, port: PORTS.hub, blockTimeSeconds: 1, role: 'hub' },
      { name: 'polygon', chainId: 31338, eid: 40109, port: PORTS.polygon, blockTimeSeconds: 1 },
    ],
    api: { port: PORTS.api },
    stateDir: join(dir, 'state'),
    priceFeed: { mode: 'random-walk', intervalSeconds: 2, volatility: 0.0005 },
  }),
);

function run(args: string[], timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PALISADE_CONFIG: configPath, PALISADE_LOG_LEVEL: 'info' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr: stderr.trim() });
    });
  });
}

const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const state = () => JSON.parse(readFileSync(join(dir, 'state', 'devnet.json'), 'utf8')) as { pid: number; apiUrl: string };
const api = (path: string) => fetch(`http://127.0.0.1:${PORTS.api}${path}`, { signal: AbortSignal.timeout(10_000) });

async function liquidatorEvents(chain: 'hub' | 'polygon', name: string): Promise<{ borrower?: Address }[]> {
  const m = readManifest(join(dir, 'state', 'manifest.json'));
  const c = m.chains[chain]!;
  const client = publicClient({ name: chain, chainId: c.chainId, rpcUrl: c.rpcUrl });
  const logs = await client.getLogs({ address: c.contracts.Liquidator as Address, fromBlock: 0n });
  return parseEventLogs({ abi: abis.Liquidator, logs })
    .filter((e) => e.eventName === name)
    .map((e) => e.args as { borrower?: Address });
}

describe('palisade devnet: every service, faults and restarts', () => {
  beforeAll(async () => {
    const up = await run(['devnet', 'up', '--detach']);
    // --detach shows the background start's progress as it goes, then one line on stdout
    expect(up.stderr).toMatch(/\] devnet ready/);
    expect(up.stderr).toMatch(/\] service hub\/liquidation-monitor started/);
    expect(up.stdout).toMatch(/^devnet running in the background/);
    expect(up.code).toBe(0);
  });

  afterAll(async () => {
    await run(['devnet', 'down']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every chain and every service of every chain in /health', async () => {
    // services retry a failed step on their next poll; on a loaded machine one may be between a timeout and its retry
    const body = await until('a healthy devnet', async () => {
      const res = await api('/health');
      return res.status === 200 && ((await res.json()) as { status: string; chains: Record<string, string>; services: Record<string, string> });
    }, 30_000);
    expect(body.status).toBe('ok');
    expect(body.chains).toEqual({ hub: 'ok', polygon: 'ok' });
    for (const chain of ['hub', 'polygon'])
      for (const s of ['price-feed', 'liquidation-monitor', 'liquidation-executor', 'market-maker', 'fee-keeper']) expect(body.services[`${chain}/${s}`]).toBe('ok');
    expect(body.services.relayer).toBe('ok');
  });

  it('a price crashed with `prices set` liquidates the demo positions on that chain within seconds', async () => {
    const set = await run(['prices', 'set', 'WETH', '1200', '--chain', 'hub', '--json']);
    expect(set.code).toBe(0);
    // stdout is exactly one JSON document, logs (if any) are on stderr
    const doc = JSON.parse(set.stdout) as { chain: string; asset: string; price: number }[];
    expect(doc).toEqual([expect.objectContaining({ chain: 'hub', asset: 'WETH', price: 1200 })]);
    const crashedAt = Date.now();
    const kicked = await until('kicks on hub', async () => {
      const k = await liquidatorEvents('hub', 'Kick');
      return k.length >= 2 && k;
    }, 20_000);
    expect(Date.now() - crashedAt).toBeLessThan(20_000);
    expect(kicked.map((k) => k.borrower)).toEqual(expect.arrayContaining([devnetAccount('borrower').address, devnetAccount('accreditedClient').address]));
    // the other chain's WETH did not move: nothing happens there
    expect(await liquidatorEvents('polygon', 'Kick')).toEqual([]);
  });

  it('the fee keeper moves a liquidation fee to the reserve', async () => {
    // at 1,600 only the 75%-LTV demo position is liquidatable, and its collateral covers debt and fee
    expect((await run(['prices', 'set', 'WETH', '1600', '--chain', 'polygon'])).code).toBe(0);
    const distributed = await until('FeesDistributed on polygon', async () => {
      const e = await liquidatorEvents('polygon', 'FeesDistributed');
      return e.length > 0 && e;
    }, 120_000);
    expect(distributed.length).toBeGreaterThan(0);
  });

  it('refuses a bad price or asset in one line and changes nothing', async () => {
    const zero = await run(['prices', 'set', 'WETH', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toBe('palisade: price must be a positive number, got "0"');
    const doge = await run(['prices', 'set', 'DOGE', '5', '--chain', 'hub']);
    expect(doge.code).toBe(1);
    expect(doge.stderr).toMatch(/^palisade: unknown asset "DOGE" on hub/);
    const missing = await run(['prices', 'set', 'WETH']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("palisade: missing required argument 'price'");
  });

  it('reports a hung chain within 3 s, and /chains does not hang with it', async () => {
    const polygon = readAnvilRecord(join(dir, 'state'))!.anvils.find((a) => a.name === 'polygon')!;
    process.kill(polygon.pid, 'SIGSTOP');
    try {
      let t = Date.now();
      const res = await api('/health');
      expect(Date.now() - t).toBeLessThan(3_000);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { chains: Record<string, string> };
      expect(body.chains).toEqual({ hub: 'ok', polygon: 'down' });
      t = Date.now();
      const chains = (await (await api('/chains')).json()) as { name: string; blockNumber: number | null }[];
      expect(Date.now() - t).toBeLessThan(3_000);
      expect(chains.find((c) => c.name === 'polygon')!.blockNumber).toBeNull();
      expect(chains.find((c) => c.name === 'hub')!.blockNumber).toBeGreaterThan(0);
      const status = JSON.parse((await run(['devnet', 'status', '--json'])).stdout) as { chains: { name: string; status: string }[] };
      expect(status.chains.map((c) => [c.name, c.status])).toEqual([['hub', 'ok'], ['polygon', 'down']]);
    } finally {
      process.kill(polygon.pid, 'SIGCONT');
    }
  });

  it('reports an empty chain restarted on a dead chain\'s port as "state gone", not ok', async () => {
    const polygon = readAnvilRecord(join(dir, 'state'))!.anvils.find((a) => a.name === 'polygon')!;
    process.kill(polygon.pid, 'SIGKILL');
    await until('polygon port free', () => portFree(PORTS.polygon), 10_000);
    const fresh = await startAnvil({ name: 'polygon', chainId: 31338, port: PORTS.polygon });
    try {
      const body = (await (await api('/health')).json()) as { status: string; chains: Record<string, string> };
      expect(body.chains.polygon).toBe('state gone');
      expect(body.status).toBe('degraded');
      const status = JSON.parse((await run(['devnet', 'status', '--json'])).stdout) as { chains: { name: string; status: string }[] };
      expect(status.chains.find((c) => c.name === 'polygon')!.status).toBe('state gone');
    } finally {
      await fresh.stop();
    }
  });

  it('SIGKILL of the supervisor leaves no anvil behind, and the next `devnet up` works', async () => {
    const { pid } = state();
    process.kill(pid, 'SIGKILL');
    // the anvils' watchdogs notice within half a second; give a loaded machine a few seconds
    await until('chain ports free', async () => (await portFree(PORTS.hub)) && (await portFree(PORTS.polygon)), 5_000);
    const status = await run(['devnet', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false, leftovers: [] });
    const again = await run(['devnet', 'up', '--detach']);
    expect(again.stderr.split('\n').filter((l) => l.startsWith('palisade:'))).toEqual([]);
    expect(again.code).toBe(0);
    expect((await api('/health')).status).toBe(200);
    const down = await run(['devnet', 'down']);
    expect(down.code).toBe(0);
    expect(await portFree(PORTS.hub)).toBe(true);
    expect(await portFree(PORTS.api)).toBe(true);
  });
});
