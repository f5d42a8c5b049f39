/**
 * Test-only child process: opens the PGlite directory given as argv[2] (migrations from argv[3]),
 * inserts one row naming itself (argv[4]) and exits 0 only once the row is committed and the
 * database closed. dbLock.test.ts starts several at once, as several `palisade kyc` commands would.
 * To make them overlap for certain, each waits after opening until all `argv[6]` writers have
 * opened (files in the barrier directory argv[5]), or 4 s when they cannot (the lock holds them).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../db.ts';

const [dataDir, migrationsDir, label, barrier, count] = process.argv.slice(2) as [string, string, string, string, string];
const db = await openDb({ dataDir, migrationsDir, lockTimeoutMs: 120_000 });
const meet = async (stage: string) => {
  writeFileSync(join(barrier, `${stage}-${label}`), '');
  const deadline = Date.now() + 4000;
  while (Date.now() < deadline && readdirSync(barrier).filter((f) => f.startsWith(`${stage}-`)).length < Number(count)) {
    await new Promise((r) => setTimeout(r, 50));
  }
};
await meet('opened');
await db.query('INSERT INTO writes (label) VALUES ($1)', [label]);
await meet('inserted');
await db.close();
process.stdout.write(`stored ${label}\n`);
