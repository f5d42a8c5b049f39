import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lockDirectory, openDb } from './db.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const writer = resolve(import.meta.dirname, 'testing/dbWriter.ts');

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => done({ code, out, err }));
  });
}

describe('embedded database shared by several processes', () => {
  let dir: string;
  let migrations: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-lock-'));
    migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001_writes.sql'), 'CREATE TABLE writes (label text PRIMARY KEY);');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores every write reported as stored when four processes write at once', async () => {
    const dataDir = join(dir, 'db');
    // created (and migrated) first, as the first `palisade kyc` command would
    await (await openDb({ dataDir, migrationsDir: migrations })).close();
    const barrier = join(dir, 'barrier');
    mkdirSync(barrier);
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((l) => run([dataDir, migrations, l, barrier, '4'])));
    const db = await openDb({ dataDir, migrationsDir: migrations });
    const { rows } = await db.query<{ label: string }>('SELECT label FROM writes ORDER BY label');
    await db.close();
    const reported = results.filter((r) => r.code === 0).length;
    expect(results.map((r) => r.err.trim()).filter(Boolean)).toEqual([]);
    expect(reported).toBe(4);
    expect(rows.map((r) => r.label)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('waits for the holder, then fails with who holds it; a dead holder’s lock is broken', async () => {
    const dataDir = join(dir, 'held');
    const release = await lockDirectory(dataDir, 1000);
    await expect(lockDirectory(dataDir, 300)).rejects.toMatchObject({ code: 'DB_BUSY', details: expect.stringContaining(`held by pid ${process.pid}`) });
    release();
    const again = await lockDirectory(dataDir, 300);
    again();
    writeFileSync(`${dataDir}.lock`, '999999999'); // a process that no longer exists
    const broken = await lockDirectory(dataDir, 300);
    broken();
  });
});
