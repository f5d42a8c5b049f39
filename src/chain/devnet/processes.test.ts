import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startAnvil } from './anvil.ts';
import { anvilRecordPath, killLeftoverAnvils, leftoverAnvils, writeAnvilRecord } from './processes.ts';

const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });

/** A pid that surely belongs to no running process: a child that has exited. */
const deadPid = () => spawnSync('true').pid!;

describe('leftover anvils', () => {
  it('finds and stops an anvil whose supervisor and watchdog were both killed, by pid file and port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-procs-'));
    const anvil = await startAnvil({ name: 'hub', chainId: 31337, port: 27645 });
    // the worst case: the whole supervision tree above anvil is gone (e.g. `kill -9` of the watchdog too)
    anvil.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 700));
    expect(await portFree(27645)).toBe(false); // orphaned, still serving
    writeAnvilRecord(dir, { supervisor: deadPid(), anvils: [{ name: 'hub', port: 27645, pid: anvil.pid }] });

    expect(leftoverAnvils(dir)).toEqual([{ name: 'hub', port: 27645, pid: anvil.pid }]);
    expect(await killLeftoverAnvils(dir)).toHaveLength(1);
    expect(await portFree(27645)).toBe(true);
    expect(existsSync(anvilRecordPath(dir))).toBe(false);
  });

  it('never touches a process of a live supervisor, nor a recorded pid that is no longer anvil on that port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-procs-'));
    writeAnvilRecord(dir, { supervisor: process.pid, anvils: [{ name: 'hub', port: 27646, pid: process.pid }] });
    expect(leftoverAnvils(dir)).toEqual([]); // its supervisor (this process) lives
    writeAnvilRecord(dir, { supervisor: deadPid(), anvils: [{ name: 'hub', port: 27646, pid: process.pid }] });
    expect(leftoverAnvils(dir)).toEqual([]); // a recycled pid: this test runner is not an anvil
    expect(await killLeftoverAnvils(dir)).toEqual([]);
  });

  it('anvil dies with its supervisor even when the supervisor is killed with SIGKILL', async () => {
    // a supervisor process that starts one anvil, reports its pid, and waits
    const script = `const { startAnvil } = await import(${JSON.stringify(join(import.meta.dirname, 'anvil.ts'))});
      const a = await startAnvil({ name: 'hub', chainId: 31337, port: 27647 }); process.stdout.write(a.pid + '\\n'); setInterval(() => {}, 1000);`;
    const { spawn } = await import('node:child_process');
    const sup = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((ok) => sup.stdout!.once('data', (d: Buffer) => ok(Number(d.toString().trim()))));
    expect(await portFree(27647)).toBe(false);
    sup.kill('SIGKILL');
    const end = Date.now() + 3_000;
    while (!(await portFree(27647)) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(await portFree(27647)).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
