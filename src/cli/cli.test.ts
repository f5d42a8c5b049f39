import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const bin = resolve(import.meta.dirname, '../../bin/palisade.js');
const run = (args: string[], env: Record<string, string> = {}, timeout = 60_000) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, PALISADE_DEPLOYER_KEY: '', ...env }, timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
};
// Other test files run anvils in parallel, so "nothing left behind" is checked on this test's own ports.
const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });

// Bad input: one line naming the problem, non-zero exit, no process left behind.
describe('palisade CLI on bad input', () => {
  it('deploy without a key names the variable', () => {
    const r = run(['deploy', '--rpc', 'http://127.0.0.1:1', '--chain', 'x', '--eid', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('palisade: missing deployer key: set $PALISADE_DEPLOYER_KEY');
  });

  it('deploy to an RPC that does not answer fails before any transaction', () => {
    const r = run(['deploy', '--rpc', 'http://127.0.0.1:1', '--chain', 'x', '--eid', '1', '--verifier', '0x' + '22'.repeat(20), '--devnet-assets', '--price-pusher', '0x' + '33'.repeat(20)], { PALISADE_DEPLOYER_KEY: '0x' + '11'.repeat(32) });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').pop()).toBe('palisade: RPC http://127.0.0.1:1/ does not answer');
  });

  it('devnet up with a malformed config names the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cfg-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ chains: [{ name: 'hub', chainId: 1, eid: 1, port: 'x', role: 'hub' }, { name: 'b', chainId: 2, eid: 2, port: 2 }] }));
    const r = run(['devnet', 'up'], { PALISADE_CONFIG: join(dir, 'c.json') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^palisade: malformed config .*: chains\.0\.port: /);
  });

  it('devnet up on a port already in use says which, and leaves no anvil running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cfg-'));
    const cfg = {
      chains: [
        { name: 'hub', chainId: 1, eid: 1, port: 23545, role: 'hub' },
        { name: 'side', chainId: 2, eid: 2, port: 23546 },
      ],
      api: { port: 23580 },
      stateDir: dir,
    };
    writeFileSync(join(dir, 'c.json'), JSON.stringify(cfg));
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(23546, '127.0.0.1', ok));
    try {
      const r = run(['devnet', 'up'], { PALISADE_CONFIG: join(dir, 'c.json') });
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').pop()).toBe('palisade: port of chain side: 23546 is already in use');
      // the hub's anvil had started on 23545 before the side chain failed: it must be gone
      expect(await portFree(23545)).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it('devnet up with the API port taken fails before starting any chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cfg-'));
    const cfg = { chains: [{ name: 'hub', chainId: 1, eid: 1, port: 23555, role: 'hub' }, { name: 'side', chainId: 2, eid: 2, port: 23556 }], api: { port: 23581 }, stateDir: dir };
    writeFileSync(join(dir, 'c.json'), JSON.stringify(cfg));
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(23581, '127.0.0.1', ok));
    try {
      const r = run(['devnet', 'up'], { PALISADE_CONFIG: join(dir, 'c.json') });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('palisade: API port 23581 is already in use'); // no chain started, nothing deployed first
    } finally {
      blocker.close();
    }
  });

  it('prints its version', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('reports argument errors in the one-line palisade: form', () => {
    const missing = run(['prices', 'set', 'WETH']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("palisade: missing required argument 'price'");
    const option = run(['devnet', 'status', '--frobnicate']);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("palisade: unknown option '--frobnicate'");
  });

  it('prices set without a running devnet says so and sends nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cfg-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ chains: [{ name: 'hub', chainId: 1, eid: 1, port: 1, role: 'hub' }, { name: 'b', chainId: 2, eid: 2, port: 2 }], stateDir: dir }));
    const r = run(['prices', 'set', 'WETH', '1200'], { PALISADE_CONFIG: join(dir, 'c.json') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('palisade: no devnet is running: start one with `npm start` or `palisade devnet up --detach`');
  });

  it('with --json, stdout holds exactly one JSON document while services log (to stderr)', () => {
    const r = run(['scenario', 'run', resolve(import.meta.dirname, '../../scenarios/crash-60pct-minutes.json'), '--json', '--borrowers', '3', '--port-base', '23645'], { PALISADE_LOG_LEVEL: 'info' }, 300_000);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { liquidated: number };
    expect(report.liquidated).toBeGreaterThan(0);
    // the services did log (kicks, takes): as JSON lines on stderr, not around the report
    expect(r.stderr.split('\n').some((l) => l.startsWith('{') && /"msg":"kick sent"/.test(l))).toBe(true);
  }, 300_000);

  it('devnet down with nothing running says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cfg-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ chains: [{ name: 'hub', chainId: 1, eid: 1, port: 1, role: 'hub' }, { name: 'b', chainId: 2, eid: 2, port: 2 }], stateDir: dir }));
    const r = run(['devnet', 'down'], { PALISADE_CONFIG: join(dir, 'c.json') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('palisade: no devnet is running');
  });

  it('an unknown command exits 2 with usage help', () => {
    const r = run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
