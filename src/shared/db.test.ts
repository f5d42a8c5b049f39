import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, loadMigrations, migrate, openDb, testDatabases } from './db.ts';

// A cold PGlite start runs initdb in wasm: seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const backends = testDatabases();

describe.each(backends)('db on $name', ({ open }) => {
  let db: Db;
  beforeEach(async () => {
    db = await open();
  });
  afterEach(async () => {
    await db.close();
  });

  it('applies every migration once and records it', async () => {
    const { rows } = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const again = await db.query('SELECT version FROM schema_migrations');
    expect(again.rowCount).toBe(rows.length);
  });

  it('returns the same JS types on every backend', async () => {
    const { rows } = await db.query<{ i: bigint; b: Uint8Array; t: Date; j: unknown; n: string; a: string[] }>(
      `SELECT 9007199254740993::int8 AS i, $1::bytea AS b, $2::timestamptz AS t, '{"k":[1,"x"]}'::jsonb AS j,
              1.50::numeric AS n, ARRAY['x','y']::text[] AS a`,
      [new Uint8Array([1, 2, 255]), new Date('2030-01-02T03:04:05.678Z')],
    );
    const r = rows[0]!;
    expect(r.i).toBe(9007199254740993n);
    expect(r.b).toBeInstanceOf(Uint8Array);
    expect([...r.b]).toEqual([1, 2, 255]);
    expect(r.t).toBeInstanceOf(Date);
    expect(r.t.toISOString()).toBe('2030-01-02T03:04:05.678Z');
    expect(r.j).toEqual({ k: [1, 'x'] });
    expect(r.n).toBe('1.50');
    expect(r.a).toEqual(['x', 'y']);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db.exec('CREATE TABLE t_tx (v integer)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_tx VALUES (1)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query<{ v: number }>('SELECT v FROM t_tx ORDER BY v');
    expect(rows).toEqual([{ v: 1 }]);
  });

  it('rolls a nested transaction back to its savepoint only', async () => {
    await db.exec('CREATE TABLE t_nested (v integer)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_nested VALUES (1)');
      await expect(
        tx.transaction(async (inner) => {
          await inner.query('INSERT INTO t_nested VALUES (2)');
          await inner.query('SELECT 1/0');
        }),
      ).rejects.toThrow();
      await tx.query('INSERT INTO t_nested VALUES (3)');
    });
    const { rows } = await db.query<{ v: number }>('SELECT v FROM t_nested ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([1, 3]);
  });

  it('reports rows changed by an UPDATE', async () => {
    await db.exec('CREATE TABLE t_count (v integer); INSERT INTO t_count VALUES (1), (2), (3)');
    const r = await db.query('UPDATE t_count SET v = v + 1 WHERE v >= $1', [2]);
    expect(r.rowCount).toBe(2);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
    const zero = '0'.repeat(64);
    await db.query(
      `INSERT INTO kyc_audit_log (seq, at, action, actor, details, prev_hash, hash) VALUES (1, now(), 'apply', 'x', '{}', $1, $2)`,
      [zero, '1'.repeat(64)],
    );
    await expect(db.query(`UPDATE kyc_audit_log SET actor = 'y'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM kyc_audit_log')).rejects.toThrow(/append-only/);
    await expect(db.exec('TRUNCATE kyc_audit_log')).rejects.toThrow(/append-only/);
    const { rows } = await db.query('SELECT actor FROM kyc_audit_log');
    expect(rows).toEqual([{ actor: 'x' }]);
  });

  it('refuses a second open application for one applicant and provider', async () => {
    await db.query(`INSERT INTO kyc_providers VALUES ('P', 'Bank', ARRAY['RETAIL'], ARRAY[]::text[], now())`);
    const insert = (id: string) =>
      db.query(
        `INSERT INTO kyc_applications (id, provider, applicant, category, jurisdiction, status, dossier_hash,
           dossier_nonce, dossier_ciphertext, dossier_tag, filed_at)
         VALUES ($1, 'P', 'A', 'RETAIL', 'DE', 'pending', $2, '\\x00', '\\x00', '\\x00', now())`,
        [id, `0x${'a'.repeat(64)}`],
      );
    await insert('one');
    await expect(insert('two')).rejects.toMatchObject({ code: '23505' });
  });
});

describe('migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-mig-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(backends)('a failing migration leaves nothing behind on $name', async ({ open }) => {
    writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE m_ok (v integer);');
    writeFileSync(join(dir, '0002_bad.sql'), 'CREATE TABLE m_bad (v integer); SELECT no_such_function();');
    const db = await open({ migrate: false });
    try {
      await expect(migrate(db, dir)).rejects.toThrow(/migration 2_bad failed/);
      // 0001 committed on its own; 0002 left neither its table nor its row.
      const t = await db.query(`SELECT to_regclass('m_ok')::text AS ok, to_regclass('m_bad')::text AS bad`);
      expect(t.rows[0]).toEqual({ ok: 'm_ok', bad: null });
      const v = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
      expect(v.rows.map((r) => r.version)).toEqual([1]);
      writeFileSync(join(dir, '0002_bad.sql'), 'CREATE TABLE m_bad (v integer);');
      expect(await migrate(db, dir)).toEqual([2]);
    } finally {
      await db.close();
    }
  });

  it.each(backends)('refuses an applied migration that was edited on $name', async ({ open }) => {
    writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE m_a (v integer);');
    const db = await open({ migrationsDir: dir });
    try {
      writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE m_a (v bigint);');
      await expect(migrate(db, dir)).rejects.toThrow(/applied migration was edited/);
    } finally {
      await db.close();
    }
  });

  it('refuses two migrations with one number', () => {
    writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '001_b.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/share a number/);
  });

  it('keeps PGlite data in its data directory across reopenings', async () => {
    const dataDir = join(dir, 'data');
    const a = await openDb({ dataDir });
    await a.query(`INSERT INTO kyc_providers VALUES ('P', 'Bank', ARRAY['RETAIL'], ARRAY[]::text[], now())`);
    await a.close();
    const b = await openDb({ dataDir });
    try {
      const { rows } = await b.query('SELECT name FROM kyc_providers');
      expect(rows).toEqual([{ name: 'Bank' }]);
      expect(await migrate(b)).toEqual([]);
    } finally {
      await b.close();
    }
  });
});

describe.runIf(process.env.DATABASE_URL)('db on postgres only', () => {
  it('lets two processes migrate one schema at once', async () => {
    const url = process.env.DATABASE_URL!;
    const schema = `t_race_${Date.now().toString(36)}`;
    const [a, b] = await Promise.all([openDb({ url, schema }), openDb({ url, schema })]);
    try {
      const { rows } = await a.query<{ n: bigint }>('SELECT count(*) AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(BigInt(loadMigrations().length));
    } finally {
      await a.exec(`DROP SCHEMA ${schema} CASCADE`);
      await a.close();
      await b.close();
    }
  });

  it('says clearly when the server cannot be reached', async () => {
    await expect(openDb({ url: 'postgres://nobody:secret@127.0.0.1:1/none' })).rejects.toThrow(/cannot connect to PostgreSQL/);
  });
});
