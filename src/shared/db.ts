/**
 * The one database layer of Palisade's off-chain services.
 *
 * PGlite (PostgreSQL compiled to wasm, embedded) is the default: in memory when no `dataDir` is
 * given, on disk otherwise. When a URL is given (`DATABASE_URL`) the same SQL runs on a real
 * PostgreSQL server through `pg`. Both backends see the same migrations and return the same JS
 * types: int8 → bigint, numeric → string, timestamptz → Date, jsonb → parsed value,
 * bytea → Uint8Array (a Buffer on `pg`, which is a Uint8Array).
 *
 * Migrations are the numbered `NNNN_name.sql` files in `./migrations/`, each applied once,
 * inside a transaction, under an advisory lock (so two processes starting together do not race),
 * and recorded with its checksum in `schema_migrations`: editing an applied migration is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { BaseError } from './errors.ts';

export type Row = Record<string, unknown>;

export type QueryResult<T> = {
  rows: T[];
  /** Rows changed by INSERT/UPDATE/DELETE, or rows returned by a SELECT. */
  rowCount: number;
};

export interface Queryable {
  /** One statement with `$1…$n` parameters. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** A script of several statements, without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

export interface Tx extends Queryable {
  /** Nested transaction: a savepoint inside the enclosing one. */
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
}

export interface Db extends Queryable {
  readonly backend: 'pglite' | 'postgres';
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (the
   * error is rethrown). Use only `tx` inside `fn`: on PGlite a query through the outer `Db`
   * waits for the transaction to end, and so would never run.
   */
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

export type OpenDbOptions = {
  /** PostgreSQL connection string; when set, `pg` is used instead of PGlite. */
  url?: string;
  /** PGlite data directory; omitted → in memory. Ignored when `url` is set. */
  dataDir?: string;
  /**
   * PostgreSQL connection string of the schema's owner, used only to migrate (DATABASE_OWNER_URL).
   * The service then works through `url`, a role that cannot alter the tables (see migration 0002).
   */
  ownerUrl?: string;
  /** How long to wait for another process holding a PGlite data directory (default 30 s). */
  lockTimeoutMs?: number;
  /** Schema to create (if missing) and put first on the search path; isolates test runs. */
  schema?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** Folder of `NNNN_name.sql` files (default: `src/shared/migrations`). */
  migrationsDir?: string;
};

const INT8_OID = 20;
const MIGRATION_LOCK_KEY = 7_351_026_114; // arbitrary, fixed: "palisade migrations"
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const parseInt8 = (v: string) => BigInt(v);

export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  if (opts.schema !== undefined && !IDENTIFIER.test(opts.schema)) {
    throw new BaseError('invalid schema name', { details: opts.schema, code: 'DB_CONFIG' });
  }
  const wantMigrate = opts.migrate ?? true;
  if (!opts.url && !opts.dataDir && wantMigrate) return openMemoryFromTemplate(opts.schema, opts.migrationsDir);
  if (opts.url && opts.ownerUrl && wantMigrate) {
    const owner = await openPostgres(opts.ownerUrl, opts.schema);
    try {
      await migrate(owner, opts.migrationsDir);
    } finally {
      await owner.close();
    }
  }
  const db = opts.url ? await openPostgres(opts.url, opts.schema) : await openPglite(opts.dataDir, opts.schema, undefined, opts.lockTimeoutMs);
  if (wantMigrate) {
    try {
      await migrate(db, opts.migrationsDir);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }
  return db;
}

// ---------------------------------------------------------------------------------------------
// PGlite

type PgliteLike = {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
};

/**
 * A fresh PGlite instance costs seconds (initdb in wasm); loading a dump of an already migrated
 * one costs a fraction of that. In-memory databases, opened often by tests and short CLI runs,
 * therefore start from a per-process template, built once per migration set.
 */
const templates = new Map<string, Promise<Blob>>();

async function openMemoryFromTemplate(schema: string | undefined, dir: string | undefined): Promise<Db> {
  const key = `${schema ?? ''}|${loadMigrations(dir).map((m) => m.checksum).join(',')}`;
  let template = templates.get(key);
  if (!template) {
    template = (async () => {
      const db = await openPglite(undefined, schema);
      try {
        await migrate(db, dir);
        return await db.dump();
      } finally {
        await db.close();
      }
    })();
    templates.set(key, template);
    template.catch(() => templates.delete(key));
  }
  const db = await openPglite(undefined, schema, await template);
  try {
    await migrate(db, dir); // nothing to apply; still checks that the template matches the files
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

async function openPglite(
  dataDir: string | undefined,
  schema: string | undefined,
  loadDataDir?: Blob,
  lockTimeoutMs = 30_000,
): Promise<Db & { dump(): Promise<Blob> }> {
  // PGlite is one process's database: a second process opening the same directory works on its own
  // copy, and whichever closes last overwrites the other's committed rows. So the directory is
  // locked for as long as it is open; a second opener waits its turn, then fails with who holds it.
  let unlock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    unlock = await lockDirectory(dataDir, lockTimeoutMs);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir, loadDataDir, parsers: { [INT8_OID]: parseInt8 } });
  } catch (cause) {
    unlock();
    throw new BaseError('cannot open the embedded database', { details: dataDir ?? 'memory', cause, code: 'DB_OPEN' });
  }
  if (schema) {
    // PGlite is one session, so the search path set here holds for every later query.
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  }
  const wrap = (q: PgliteLike, depth: number): Tx => ({
    query: async <T extends Row>(sql: string, params: readonly unknown[] = []) => {
      const r = await q.query<T>(sql, [...params]);
      return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
    },
    exec: async (sql) => void (await q.exec(sql)),
    transaction: (fn) => savepoint(wrap(q, depth + 1), depth + 1, fn),
  });
  let closed = false;
  return {
    backend: 'pglite',
    ...wrap(pglite, 0),
    transaction: (fn) => pglite.transaction((tx) => fn(wrap(tx, 0))),
    dump: () => pglite.dumpDataDir('none'),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock on a PGlite directory: a file created with O_EXCL holding the owner's pid,
 * removed on close. A lock whose process is gone (killed) is broken by renaming it away first, so
 * two waiters cannot both break it.
 */
export async function lockDirectory(dir: string, timeoutMs: number): Promise<() => void> {
  const path = `${dir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let holder = 0;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        rmSync(path, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BaseError('cannot lock the embedded database', { details: path, cause: err, code: 'DB_OPEN' });
      }
    }
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released between our attempt and the read: try again at once
    }
    holder = Number(text);
    if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
      const stale = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, stale);
        if (Number(readFileSync(stale, 'utf8')) === holder) rmSync(stale, { force: true });
        else renameSync(stale, path); // someone re-took it in between: put theirs back
      } catch {
        // another waiter broke it first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new BaseError('the embedded database is in use by another process', {
        details: `${dir} is held by pid ${holder || '?'}; wait for it, or let the running devnet serve the command`,
        code: 'DB_BUSY',
        retryable: true,
      });
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function openPostgres(url: string, schema: string | undefined): Promise<Db> {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  if (schema) {
    // Create the schema before the pool's sessions start with it on their search path; under
    // the migration lock, as CREATE SCHEMA IF NOT EXISTS races with itself.
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
    } catch (cause) {
      await c.end().catch(() => undefined);
      throw new BaseError('cannot connect to PostgreSQL', { details: redact(url), cause, code: 'DB_OPEN', retryable: true });
    }
    try {
      // Only when missing: the service's own role may use a schema but not create one.
      const { rows } = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (rows.length === 0) {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await c.query('COMMIT');
      }
    } catch (cause) {
      throw new BaseError('cannot create the database schema', { details: schema, cause, code: 'DB_OPEN' });
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new BaseError('cannot connect to PostgreSQL', { details: redact(url), cause, code: 'DB_OPEN', retryable: true });
  }
  const wrap = (q: pg.Pool | pg.PoolClient, depth: number): Tx => ({
    query: async <T extends Row>(sql: string, params: readonly unknown[] = []) => {
      const r = await q.query(sql, [...params]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    exec: async (sql) => void (await q.query(sql)),
    transaction: (fn) => savepoint(wrap(q, depth + 1), depth + 1, fn),
  });
  let closed = false;
  return {
    backend: 'postgres',
    ...wrap(pool, 0),
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client, 0));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone: do not hand it back to the pool
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function savepoint<R>(tx: Tx, depth: number, fn: (tx: Tx) => Promise<R>): Promise<R> {
  const name = `sp_${depth}`;
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const result = await fn(tx);
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (err) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Migrations

export type Migration = { version: number; name: string; sql: string; checksum: string };

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The numbered `.sql` files of a folder, in order. Two files with one number is an error. */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!m) continue;
    const sql = readFileSync(`${dir}/${file}`, 'utf8');
    out.push({
      version: Number(m[1]),
      name: m[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version) {
      throw new BaseError('two migrations share a number', { details: String(out[i]!.version), code: 'DB_MIGRATION' });
    }
  }
  return out;
}

/** Applies the pending migrations; returns the versions it applied. */
export async function migrate(db: Db, dir?: string): Promise<number[]> {
  const migrations = loadMigrations(dir);
  const applied: number[] = [];
  // Nothing pending: check the checksums without writing, so a role without DDL rights (the
  // service's own, see migration 0002) opens a database its owner migrated.
  if (await allApplied(db, migrations)) return applied;
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows[0]) {
        if (rows[0].checksum !== m.checksum) {
          throw new BaseError('an applied migration was edited', {
            details: `${m.version}_${m.name}.sql; add a new migration instead`,
            code: 'DB_MIGRATION',
          });
        }
        return false;
      }
      try {
        await tx.exec(m.sql);
      } catch (cause) {
        throw new BaseError(`migration ${m.version}_${m.name} failed`, {
          details: cause instanceof Error ? cause.message : String(cause),
          cause,
          code: 'DB_MIGRATION',
        });
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

async function allApplied(db: Db, migrations: Migration[]): Promise<boolean> {
  const { rows: exists } = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists[0]?.t) return false;
  const { rows } = await db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
  const done = new Map(rows.map((r) => [Number(r.version), r.checksum]));
  for (const m of migrations) {
    const c = done.get(m.version);
    if (c === undefined) return false;
    if (c !== m.checksum) {
      throw new BaseError('an applied migration was edited', { details: `${m.version}_${m.name}.sql; add a new migration instead`, code: 'DB_MIGRATION' });
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Test backends

export type TestDatabase = { name: 'pglite' | 'postgres'; open: (opts?: Omit<OpenDbOptions, 'url' | 'schema'>) => Promise<Db> };

/**
 * The backends a database test suite runs against: PGlite always, PostgreSQL too when
 * `DATABASE_URL` is set. Each `open()` on PostgreSQL gets a fresh schema, dropped on close,
 * so suites do not see one another's rows. Use with `describe.each(testDatabases())`.
 */
export function testDatabases(env: NodeJS.ProcessEnv = process.env): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'pglite', open: (opts) => openDb({ ...opts }) }];
  const url = env.DATABASE_URL;
  if (url) {
    list.push({
      name: 'postgres',
      open: async (opts) => {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        const db = await openDb({ ...opts, url, schema });
        return {
          ...db,
          close: async () => {
            await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
            await db.close();
          },
        };
      },
    });
  }
  return list;
}
