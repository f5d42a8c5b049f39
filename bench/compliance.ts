/**
 * Gas of the Qualified Client Protocol registry (issue 3), as recorded by forge's gas-snapshot
 * cheatcodes in `contracts/test/compliance/QualifiedClientRegistry.gas.t.sol`:
 * - `isQualified` for a client two levels below a seed (seed -> bank -> client), spent by a
 *   calling contract with the registry's account and storage cold, without the 21,000
 *   transaction base (target <= 15,000). The test explains the method; a second, independent
 *   measurement (`gasleft()` inside a probe contract) is reported beside it;
 * - a client grant (cold);
 * - revoking a provider with 1 client and with 1,000 clients (cold); the two must agree within 5%.
 *
 * Runs that forge test (cwd `contracts/`), reads `contracts/snapshots/compliance.json`, which
 * forge rewrites on each run, and prints one JSON line last. Forge's own output goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BaseError, oneLine } from '../src/shared/errors.ts';

const TARGET = 15_000;
const MAX_REVOKE_SPREAD = 0.05;
const TEST_PATH = 'test/compliance/QualifiedClientRegistry.gas.t.sol';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const contractsDir = join(repoRoot, 'contracts');
const snapshotFile = join(contractsDir, 'snapshots', 'compliance.json');

const gas = z
  .string()
  .regex(/^\d+$/)
  .transform((s) => Number(s));
const Snapshot = z.object({
  isQualified_depth2_cold: gas,
  isQualified_depth2_cold_probe: gas,
  isQualified_depth4_cold: gas,
  isQualified_noGrant_cold: gas,
  grantClient_cold: gas,
  revokeProvider_1client_cold: gas,
  revokeProvider_1000clients_cold: gas,
});

function runForge(): boolean {
  const started = Date.now();
  const res = spawnSync('npx', ['forge', 'test', '--match-path', TEST_PATH], {
    cwd: contractsDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw new BaseError('could not run forge', { cause: res.error, details: res.error.message });
  process.stderr.write(res.stdout);
  process.stderr.write(res.stderr);
  // forge rewrites the snapshot on every run; an older file means these figures were not measured now
  let mtime: number;
  try {
    mtime = statSync(snapshotFile).mtimeMs;
  } catch (cause) {
    throw new BaseError('forge wrote no gas snapshot', { cause, details: snapshotFile });
  }
  if (mtime < started - 1000) {
    throw new BaseError('gas snapshot is stale: forge did not rewrite it', { details: snapshotFile });
  }
  return res.status === 0;
}

function main(): void {
  const testsPassed = runForge();
  const parsed = Snapshot.safeParse(JSON.parse(readFileSync(snapshotFile, 'utf8')));
  if (!parsed.success) {
    throw new BaseError('gas snapshot lacks an expected entry', { details: parsed.error.message });
  }
  const s = parsed.data;
  const revokeRatio = s.revokeProvider_1000clients_cold / s.revokeProvider_1client_cold;
  const result = {
    bench: 'compliance',
    isQualifiedGas: s.isQualified_depth2_cold,
    target: TARGET,
    withinTarget: s.isQualified_depth2_cold <= TARGET,
    isQualifiedGasProbe: s.isQualified_depth2_cold_probe,
    isQualifiedDepth4Gas: s.isQualified_depth4_cold,
    isQualifiedNoGrantGas: s.isQualified_noGrant_cold,
    grantClientGas: s.grantClient_cold,
    revokeProvider1: s.revokeProvider_1client_cold,
    revokeProvider1000: s.revokeProvider_1000clients_cold,
    revokeRatio: Math.round(revokeRatio * 10_000) / 10_000,
    revokeWithin5pct: Math.abs(revokeRatio - 1) <= MAX_REVOKE_SPREAD,
    testsPassed,
  };
  console.log(JSON.stringify(result));
  if (!testsPassed) process.exitCode = 1;
}

try {
  main();
} catch (err) {
  console.error(`bench compliance: ${oneLine(err)}`);
  process.exitCode = 1;
}
